export default definePageConfig({ navigationBarTitleText: '营业厅' });
