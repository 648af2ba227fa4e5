export default definePageConfig({ navigationBarTitleText: '停机回访' });
