/// <reference types="@tarojs/taro" />

declare module '*.png'
declare module '*.svg'
declare module '*.css'

/** Backend origin, injected at build time by config/index.ts (defineConstants). '' = same origin. */
declare const API_BASE: string

declare namespace NodeJS {
  interface ProcessEnv {
    NODE_ENV: 'development' | 'production'
    /** Build target: weapp (政务微信), dd (政务钉钉), h5 (browsers). */
    TARO_ENV: 'weapp' | 'alipay' | 'dd' | 'h5'
    TARO_APP_API_BASE?: string
  }
}
