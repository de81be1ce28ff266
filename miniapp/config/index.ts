import { defineConfig, type UserConfigExport } from '@tarojs/cli'
import devConfig from './dev'
import prodConfig from './prod'

// https://docs.taro.zone/docs/next/config
export default defineConfig<'webpack5'>(async (merge) => {
  const baseConfig: UserConfigExport<'webpack5'> = {
    projectName: 'lfxj-miniapp',
    date: '2026-11-28',
    designWidth: 750,
    deviceRatio: {
      640: 2.34 / 2,
      750: 1,
      375: 2,
      828: 1.81 / 2,
    },
    sourceRoot: 'src',
    // One folder per target so the builds do not overwrite each other: dist/h5, dist/weapp, dist/dd.
    outputRoot: `dist/${process.env.TARO_ENV ?? 'h5'}`,
    // 政务钉钉: `taro build --type dd` (alipay mini-program syntax with the `dd` global).
    plugins: ['@tarojs/plugin-platform-alipay-dd'],
    defineConstants: {
      API_BASE: JSON.stringify(process.env.TARO_APP_API_BASE ?? ''),
    },
    copy: {
      patterns: [],
      options: {},
    },
    framework: 'react',
    compiler: 'webpack5',
    cache: {
      enable: false,
    },
    mini: {
      postcss: {
        pxtransform: {
          enable: true,
          config: {},
        },
        cssModules: {
          enable: false,
          config: {
            namingPattern: 'module',
            generateScopedName: '[name]__[local]___[hash:base64:5]',
          },
        },
      },
    },
    h5: {
      // Served by the backend under /h5/ (see backend/src/common/web.middleware.ts).
      publicPath: '/h5/',
      router: { mode: 'hash' },
      staticDirectory: 'static',
      output: {
        filename: 'js/[name].[contenthash:8].js',
        chunkFilename: 'js/[name].[contenthash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[contenthash:8].css',
        chunkFilename: 'css/[name].[contenthash:8].css',
      },
      postcss: {
        pxtransform: {
          enable: true,
          // H5 root font size follows the viewport (20px on a 375px phone); cap it so that
          // desktop browsers get a phone-like scale instead of double size.
          config: { maxRootSize: 24 },
        },
        autoprefixer: {
          enable: true,
          config: {},
        },
        cssModules: {
          enable: false,
          config: {
            namingPattern: 'module',
            generateScopedName: '[name]__[local]___[hash:base64:5]',
          },
        },
      },
      webpackChain(chain) {
        // React + Taro runtime alone exceed webpack's 244 KiB hint; the warning is noise here.
        chain.performance.hints(false)
      },
    },
  }

  if (process.env.NODE_ENV === 'development') {
    return merge({}, baseConfig, devConfig)
  }
  return merge({}, baseConfig, prodConfig)
})
