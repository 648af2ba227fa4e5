export default definePageConfig({ navigationBarTitleText: '在线调查', enablePullDownRefresh: true });
