export default defineAppConfig({
  pages: ['pages/login/index'],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '两法衔接平台',
    navigationBarTextStyle: 'black',
  },
})
