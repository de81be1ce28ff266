import { API, API_PREFIX, type ErrorBody, type RouteDef, type TokenPair } from '@lfxj/contracts'

/** Error body of every failed API call: `{ code, message, details }`, message in Chinese. */
export type ApiErrorBody = ErrorBody

/** Shapes shared with the backend, from the one contract. */
export type LoginResponse = TokenPair
export type LoginUser = TokenPair['user']

/** The output type of a contract schema (zod 4), without importing zod into the app. */
export type Out<T> = T extends { _zod: { output: infer O } } ? O : never

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
const NETWORK_ERROR = '网络异常，请稍后重试'

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ApiErrorBody).message === 'string'
}

export const TOKEN_KEYS = {
  access: 'lfxj.accessToken',
  refresh: 'lfxj.refreshToken',
  user: 'lfxj.user',
  mustChange: 'lfxj.mustChangePassword',
} as const

/* ---------------------------------------------------------------- session */

export interface Session {
  user: LoginUser
  mustChangePassword: boolean
}

type SessionListener = (session: Session | null, message?: string) => void
const listeners = new Set<SessionListener>()

/** The app re-renders when the session starts, changes (password changed) or ends. */
export function onSessionChange(listener: SessionListener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function emit(message?: string) {
  const session = currentSession()
  for (const l of listeners) l(session, message)
}

function saveTokens(body: TokenPair): void {
  sessionStorage.setItem(TOKEN_KEYS.access, body.accessToken)
  sessionStorage.setItem(TOKEN_KEYS.refresh, body.refreshToken)
  sessionStorage.setItem(TOKEN_KEYS.user, JSON.stringify(body.user))
  sessionStorage.setItem(TOKEN_KEYS.mustChange, body.mustChangePassword ? '1' : '')
}

function clearTokens(): void {
  for (const key of Object.values(TOKEN_KEYS)) sessionStorage.removeItem(key)
}

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(TOKEN_KEYS.user)
  if (!raw || !sessionStorage.getItem(TOKEN_KEYS.access)) return null
  try {
    return { user: JSON.parse(raw) as LoginUser, mustChangePassword: sessionStorage.getItem(TOKEN_KEYS.mustChange) === '1' }
  } catch {
    return null
  }
}

/* ---------------------------------------------------------------- requests */

type Query = Record<string, string | number | boolean | undefined | null>

/** `/regulations/:id` + { id: 3 } → `/api/v1/regulations/3`, from the contract's route table. */
export function pathOf(def: RouteDef, params: Record<string, string | number> = {}, query: Query = {}): string {
  const path = def.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(String(params[name])))
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v))
  const s = qs.toString()
  return `${API_BASE}${API_PREFIX}${path}${s ? `?${s}` : ''}`
}

async function send(method: string, url: string, body: unknown, token: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  let res: Response
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  } catch {
    throw new ApiError(NETWORK_ERROR, 'NETWORK_ERROR')
  }
  return { status: res.status, body: await res.json().catch(() => null) }
}

function toError(res: { status: number; body: unknown }): ApiError {
  if (isApiErrorBody(res.body)) return new ApiError(res.body.message, res.body.code, res.status, res.body.details)
  return new ApiError(`服务异常（${res.status}），请稍后重试`, 'HTTP_ERROR', res.status)
}

let refreshing: Promise<boolean> | null = null

/** One refresh at a time: a refresh token works once, so concurrent 401s must share it. */
function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = sessionStorage.getItem(TOKEN_KEYS.refresh)
    if (!refreshToken) return false
    try {
      const res = await send('POST', pathOf(API.auth.refresh), { refreshToken }, '')
      if (res.status !== 200) return false
      saveTokens(res.body as TokenPair)
      return true
    } catch {
      return false
    }
  })().finally(() => {
    refreshing = null
  })
  return refreshing
}

/** An authenticated call: refreshes an expired access token once; a dead session goes back to login. */
async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const token = () => sessionStorage.getItem(TOKEN_KEYS.access) ?? ''
  let res = await send(method, url, body, token())
  if (res.status === 401 && isApiErrorBody(res.body) && res.body.code === 'TOKEN_INVALID' && (await refreshTokens())) {
    res = await send(method, url, body, token())
  }
  if (res.status >= 200 && res.status < 300) return res.body as T
  const error = toError(res)
  if (res.status === 401) {
    clearTokens()
    emit(error.message)
  } else if (error.code === 'PASSWORD_CHANGE_REQUIRED') {
    sessionStorage.setItem(TOKEN_KEYS.mustChange, '1')
    emit()
  }
  throw error
}

export function apiGet<T>(def: RouteDef, params?: Record<string, string | number>, query?: Query): Promise<T> {
  return call<T>('GET', pathOf(def, params, query))
}

export function apiPost<T>(def: RouteDef, params: Record<string, string | number> | undefined, body: unknown): Promise<T> {
  return call<T>('POST', pathOf(def, params), body ?? {})
}

/** POST JSON without a session; resolves with the body on 2xx, throws ApiError (Chinese message) otherwise. */
export async function postJson<T>(path: string, data: unknown): Promise<T> {
  const res = await send('POST', `${API_BASE}${path}`, data, '')
  if (res.status >= 200 && res.status < 300) return res.body as T
  throw toError(res)
}

export async function login(username: string, password: string): Promise<LoginResponse> {
  const body = await postJson<LoginResponse>(`${API_PREFIX}${API.auth.login.path}`, { username, password })
  saveTokens(body)
  emit()
  return body
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<LoginResponse> {
  const body = await apiPost<LoginResponse>(API.auth.changePassword, undefined, { oldPassword, newPassword })
  saveTokens(body)
  emit()
  return body
}

export async function logout(): Promise<void> {
  try {
    await send('POST', pathOf(API.auth.logout), {}, sessionStorage.getItem(TOKEN_KEYS.access) ?? '')
  } catch {
    // Leaving anyway.
  }
  clearTokens()
  emit()
}
