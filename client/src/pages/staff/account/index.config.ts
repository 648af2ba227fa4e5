export default definePageConfig({ navigationBarTitleText: '用户全貌' });
