export default definePageConfig({ navigationBarTitleText: '服务承诺' });
