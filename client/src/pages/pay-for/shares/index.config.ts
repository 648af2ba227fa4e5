// The share cards (onShareAppMessage) of the mini-program are sent from this page.
export default definePageConfig({ navigationBarTitleText: '我分享的账单', enablePullDownRefresh: true, enableShareAppMessage: true });
