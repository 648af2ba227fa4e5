export default definePageConfig({ navigationBarTitleText: '套餐续费' });
