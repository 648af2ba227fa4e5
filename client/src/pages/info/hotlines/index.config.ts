export default definePageConfig({ navigationBarTitleText: '服务热线' });
