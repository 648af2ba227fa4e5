export default definePageConfig({ navigationBarTitleText: '代付账单' });
