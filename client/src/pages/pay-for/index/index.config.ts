export default definePageConfig({ navigationBarTitleText: '帮他人缴费', enablePullDownRefresh: true });
