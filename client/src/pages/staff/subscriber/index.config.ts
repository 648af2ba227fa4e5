export default definePageConfig({ navigationBarTitleText: '网厅用户全貌' });
