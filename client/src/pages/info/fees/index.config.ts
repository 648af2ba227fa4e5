export default definePageConfig({ navigationBarTitleText: '资费标准' });
