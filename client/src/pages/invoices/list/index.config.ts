export default definePageConfig({ navigationBarTitleText: '我的发票', enablePullDownRefresh: true });
