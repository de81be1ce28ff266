import * as path from 'path'
import { defineConfig, type UserConfigExport } from '@tarojs/cli'
import devConfig from './dev'
import prodConfig from './prod'

// The shared contract is consumed as source (types and values: labels, the process definition).
const CONTRACTS_SRC = path.resolve(__dirname, '../../contracts/src')

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
    alias: {
      '@lfxj/contracts': path.join(CONTRACTS_SRC, 'index.ts'),
    },
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
      // Files outside src/ are not compiled unless listed (the contract is TypeScript).
      compile: { include: [CONTRACTS_SRC] },
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
      compile: { include: [CONTRACTS_SRC] },
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
        // Taro splits only initial chunks: every lazily loaded page would carry its own copy of
        // what pages share (the contract with zod, the request layer, components). One shared chunk.
        const split = chain.optimization.get('splitChunks')
        if (split) {
          chain.optimization.splitChunks({
            ...split,
            cacheGroups: { ...split.cacheGroups, pages: { chunks: 'async', minChunks: 2, name: 'pages-shared', priority: 5, reuseExistingChunk: true } },
          })
        }
      },
    },
  }

  if (process.env.NODE_ENV === 'development') {
    return merge({}, baseConfig, devConfig)
  }
  return merge({}, baseConfig, prodConfig)
})
