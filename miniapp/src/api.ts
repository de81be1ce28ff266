import Taro from '@tarojs/taro'

import type { ErrorBody, TokenPair } from '@lfxj/contracts'

/** Error body of every failed API call: `{ code, message, details }`, message in Chinese. */
export type ApiError = ErrorBody

/** Shapes shared with the backend, from the one contract. */
export type LoginResponse = TokenPair
export type LoginUser = TokenPair['user']

export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

const NETWORK_ERROR = '网络异常，请稍后重试'

function isApiError(body: unknown): body is ApiError {
  return typeof body === 'object' && body !== null && typeof (body as ApiError).message === 'string'
}

/** POST JSON to `${API_BASE}${path}`; resolves with the body on 2xx, throws ApiRequestError otherwise. */
export async function postJson<T>(path: string, data: unknown): Promise<T> {
  let res: Taro.request.SuccessCallbackResult
  try {
    res = await Taro.request({
      url: `${API_BASE}${path}`,
      method: 'POST',
      data,
      header: { 'content-type': 'application/json' },
      dataType: 'json',
    })
  } catch (err) {
    // Some platforms (e.g. dd/alipay) reject non-2xx responses; the body may still be attached.
    const body = (err as { data?: unknown } | null)?.data
    if (isApiError(body)) throw new ApiRequestError(body.message, body.code, undefined, body.details)
    throw new ApiRequestError(NETWORK_ERROR, 'NETWORK_ERROR')
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data as T
  if (isApiError(res.data)) {
    throw new ApiRequestError(res.data.message, res.data.code, res.statusCode, res.data.details)
  }
  throw new ApiRequestError(`服务异常（${res.statusCode}），请稍后重试`, 'HTTP_ERROR', res.statusCode)
}

export const TOKEN_KEYS = {
  access: 'lfxj.accessToken',
  refresh: 'lfxj.refreshToken',
  accessExpiresAt: 'lfxj.accessExpiresAt',
} as const

export async function login(username: string, password: string): Promise<LoginResponse> {
  const body = await postJson<LoginResponse>('/api/v1/auth/login', { username, password })
  Taro.setStorageSync(TOKEN_KEYS.access, body.accessToken)
  Taro.setStorageSync(TOKEN_KEYS.refresh, body.refreshToken)
  Taro.setStorageSync(TOKEN_KEYS.accessExpiresAt, Date.now() + body.accessExpiresIn * 1000)
  return body
}
