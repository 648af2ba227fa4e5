export default definePageConfig({ navigationBarTitleText: '网上营业厅', enablePullDownRefresh: true });
