export default defineAppConfig({
  // The first page is where the app opens: the login page sends a logged-in user on.
  pages: [
    'pages/login/index',
    'pages/password/index',
    'pages/inbox/index',
    'pages/cases/index',
    'pages/notices/index',
    'pages/case/index',
    'pages/case-new/index',
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '两法衔接平台',
    navigationBarTextStyle: 'black',
  },
  tabBar: {
    color: '#8f959e',
    selectedColor: '#1664ff',
    backgroundColor: '#ffffff',
    borderStyle: 'white',
    list: [
      { pagePath: 'pages/inbox/index', text: '待办', iconPath: 'assets/tab/inbox.png', selectedIconPath: 'assets/tab/inbox-active.png' },
      { pagePath: 'pages/cases/index', text: '案件', iconPath: 'assets/tab/cases.png', selectedIconPath: 'assets/tab/cases-active.png' },
      { pagePath: 'pages/notices/index', text: '通报', iconPath: 'assets/tab/notices.png', selectedIconPath: 'assets/tab/notices-active.png' },
    ],
  },
})
