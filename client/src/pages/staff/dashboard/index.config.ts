export default definePageConfig({ navigationBarTitleText: '服务指标' });
