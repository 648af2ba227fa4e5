export default definePageConfig({ navigationBarTitleText: '区域故障' });
