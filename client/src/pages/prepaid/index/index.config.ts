export default definePageConfig({ navigationBarTitleText: '账户余额', enablePullDownRefresh: true });
