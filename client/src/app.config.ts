export default defineAppConfig({
  pages: ['pages/home/index', 'pages/bills/index', 'pages/services/index', 'pages/me/index'],
  subPackages: [
    { root: 'pages/auth', pages: ['login/index'] },
    { root: 'pages/account', pages: ['bind/index'] },
    {
      root: 'pages/info',
      pages: ['fees/index', 'commitments/index', 'halls/index', 'guides/index', 'hotlines/index', 'notices/index', 'agreement/index'],
    },
    // Money journeys off the bills tab: bill detail, receipt, the payment "confirming" page, renewal.
    { root: 'pages/billing', pages: ['detail/index', 'receipt/index', 'confirm/index', 'renew/index'] },
    { root: 'pages/tickets', pages: ['new/index', 'list/index', 'detail/index'] },
    // Prepaid accounts: the balance page (also where balance notices open) and topping up.
    { root: 'pages/prepaid', pages: ['index/index', 'topup/index'] },
    // Paying for someone else: by account number (代缴), a shared bill's pay page (分享代付; where the share card opens), my shares.
    { root: 'pages/pay-for', pages: ['index/index', 'share/index', 'shares/index'] },
    // Electronic invoices: my invoices (and paid orders still to invoice), asking for one, one invoice with its PDF.
    { root: 'pages/invoices', pages: ['list/index', 'request/index', 'detail/index'] },
    // Online surveys (在线调查): the open surveys meant for me, answering one (a draft to come back to, one submission).
    { root: 'pages/surveys', pages: ['list/index', 'answer/index'] },
    // The staff console is a desktop web app: only the H5 build carries it, the mini-program stays small.
    ...(process.env.TARO_ENV === 'h5' ? [{ root: 'pages/staff', pages: ['login/index', 'queue/index', 'ticket/index', 'callbacks/index', 'suspensions/index', 'outages/index', 'dashboard/index', 'imports/index', 'content/index', 'invoices/index', 'account/index', 'subscriber/index', 'reconciliation/index', 'surveys/index', 'new-ticket/index'] }] : []),
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#1d6fd8',
    navigationBarTitleText: '网上营业厅',
    navigationBarTextStyle: 'white',
    backgroundColor: '#f4f6f9',
  },
  // Our own tab bar (src/custom-tab-bar, components/tab-bar): icons, 长辈模式 sizes, and on H5 no
  // `javascript:` links (Taro's H5 bar has them and the site's CSP refuses them on every tap).
  tabBar: {
    custom: true,
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
  // Only a fuzzy position, asked when the user taps 按离我最近排序: enough to sort halls by distance,
  // and the precise API (getLocation) is refused to most categories at review.
  // H5: no sliding between pages. Taro's router (4.1) hides the page left behind on a timer that
  // outlives the slide (350 ms) and is not cancelled when the user comes back first, so going back
  // within it (a quick back gesture, a form that answers fast) left the page shown blank until a reload.
  ...(process.env.TARO_ENV === 'h5' ? { animation: false } : {}),
  permission: {
    'scope.userFuzzyLocation': { desc: '用于按距离为您列出附近的营业厅' },
  },
  requiredPrivateInfos: ['getFuzzyLocation'],
});
