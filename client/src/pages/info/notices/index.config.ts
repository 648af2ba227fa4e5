export default definePageConfig({ navigationBarTitleText: '停服通知' });
