export default defineAppConfig({
  pages: ['pages/home/index', 'pages/bills/index', 'pages/services/index', 'pages/me/index'],
  subPackages: [
    { root: 'pages/auth', pages: ['login/index'] },
    { root: 'pages/account', pages: ['bind/index'] },
    {
      root: 'pages/info',
      pages: ['fees/index', 'commitments/index', 'halls/index', 'guides/index', 'hotlines/index', 'notices/index'],
    },
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#1d6fd8',
    navigationBarTitleText: '网上营业厅',
    navigationBarTextStyle: 'white',
    backgroundColor: '#f4f6f9',
  },
  tabBar: {
    color: '#6b7280',
    selectedColor: '#1d6fd8',
    backgroundColor: '#ffffff',
    borderStyle: 'white',
    list: [
      { pagePath: 'pages/home/index', text: '首页' },
      { pagePath: 'pages/bills/index', text: '账单' },
      { pagePath: 'pages/services/index', text: '服务' },
      { pagePath: 'pages/me/index', text: '我的' },
    ],
  },
  permission: {
    'scope.userLocation': { desc: '用于查找离您最近的营业厅' },
  },
  requiredPrivateInfos: ['getLocation'],
});
