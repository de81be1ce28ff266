import type { ErrorBody, TokenPair } from '@lfxj/contracts'

/** Error body of every failed API call: `{ code, message, details }`, message in Chinese. */
export type ApiErrorBody = ErrorBody

/** Shapes shared with the backend, from the one contract. */
export type LoginResponse = TokenPair
export type LoginUser = TokenPair['user']

export class ApiError extends Error {
  readonly code: string
  readonly status: number | undefined
  readonly details: unknown

  constructor(message: string, code: string, status?: number, details?: unknown) {
    super(message)
    this.code = code
    this.status = status
    this.details = details
  }
}

const API_BASE = import.meta.env.VITE_API_BASE ?? ''

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ApiErrorBody).message === 'string'
}

/** POST JSON; resolves with the body on 2xx, throws ApiError (Chinese message) otherwise. */
export async function postJson<T>(path: string, data: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(`${API_BASE}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(data),
    })
  } catch {
    throw new ApiError('网络异常，请稍后重试', 'NETWORK_ERROR')
  }
  const body: unknown = await res.json().catch(() => null)
  if (res.ok) return body as T
  if (isApiErrorBody(body)) throw new ApiError(body.message, body.code, res.status, body.details)
  throw new ApiError(`服务异常（${res.status}），请稍后重试`, 'HTTP_ERROR', res.status)
}

export const TOKEN_KEYS = {
  access: 'lfxj.accessToken',
  refresh: 'lfxj.refreshToken',
} as const

export async function login(username: string, password: string): Promise<LoginResponse> {
  const body = await postJson<LoginResponse>('/api/v1/auth/login', { username, password })
  sessionStorage.setItem(TOKEN_KEYS.access, body.accessToken)
  sessionStorage.setItem(TOKEN_KEYS.refresh, body.refreshToken)
  return body
}
