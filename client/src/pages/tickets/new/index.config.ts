export default definePageConfig({ navigationBarTitleText: '报修与投诉' });
