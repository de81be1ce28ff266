import Taro from '@tarojs/taro'

import { API, API_PREFIX, type ErrorBody, type RouteDef, type TokenPair } from '@lfxj/contracts'

/** Error body of every failed API call: `{ code, message, details }`, message in Chinese. */
export type ApiError = ErrorBody

/** Shapes shared with the backend, from the one contract. */
export type LoginResponse = TokenPair
export type LoginUser = TokenPair['user']

/** The output type of a contract schema (zod 4), without importing zod into the app. */
export type Out<T> = T extends { _zod: { output: infer O } } ? O : never

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

export const TOKEN_KEYS = {
  access: 'lfxj.accessToken',
  refresh: 'lfxj.refreshToken',
  accessExpiresAt: 'lfxj.accessExpiresAt',
  user: 'lfxj.user',
  mustChange: 'lfxj.mustChangePassword',
} as const

/* ---------------------------------------------------------------- session */

export function saveSession(body: TokenPair): void {
  Taro.setStorageSync(TOKEN_KEYS.access, body.accessToken)
  Taro.setStorageSync(TOKEN_KEYS.refresh, body.refreshToken)
  Taro.setStorageSync(TOKEN_KEYS.accessExpiresAt, Date.now() + body.accessExpiresIn * 1000)
  Taro.setStorageSync(TOKEN_KEYS.user, JSON.stringify(body.user))
  Taro.setStorageSync(TOKEN_KEYS.mustChange, body.mustChangePassword ? '1' : '')
}

export function clearSession(): void {
  for (const key of Object.values(TOKEN_KEYS)) Taro.removeStorageSync(key)
}

export function currentUser(): LoginUser | null {
  const raw = Taro.getStorageSync(TOKEN_KEYS.user) as string
  if (!raw || !Taro.getStorageSync(TOKEN_KEYS.access)) return null
  try {
    return JSON.parse(raw) as LoginUser
  } catch {
    return null
  }
}

export function mustChangePassword(): boolean {
  return Taro.getStorageSync(TOKEN_KEYS.mustChange) === '1'
}

const accessToken = () => (Taro.getStorageSync(TOKEN_KEYS.access) as string) || ''

/** Pages every screen may send the user to when the session is gone or the password must change. */
export const PAGES = {
  login: '/pages/login/index',
  password: '/pages/password/index',
  inbox: '/pages/inbox/index',
  cases: '/pages/cases/index',
  notices: '/pages/notices/index',
  caseDetail: '/pages/case/index',
  caseNew: '/pages/case-new/index',
} as const

let leaving = false
/** The session cannot continue: back to the login page (once, even when several calls fail together). */
function toLogin(message: string): void {
  clearSession()
  if (leaving) return
  leaving = true
  void Taro.reLaunch({ url: `${PAGES.login}?msg=${encodeURIComponent(message)}` }).finally(() => {
    leaving = false
  })
}

/* ---------------------------------------------------------------- requests */

type Query = Record<string, string | number | boolean | undefined | null>

/** `/cases/:id` + { id: 3 } → `/api/v1/cases/3`, from the contract's route table. */
export function pathOf(def: RouteDef, params: Record<string, string | number> = {}, query: Query = {}): string {
  const path = def.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(String(params[name])))
  const qs = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&')
  return `${API_PREFIX}${path}${qs ? `?${qs}` : ''}`
}

interface RawResult {
  statusCode: number
  data: unknown
}

async function rawRequest(method: 'GET' | 'POST', url: string, data: unknown, token: string): Promise<RawResult> {
  const header: Record<string, string> = { 'content-type': 'application/json' }
  if (token) header.Authorization = `Bearer ${token}`
  try {
    const res = await Taro.request({ url: `${API_BASE}${url}`, method, data: data ?? undefined, header, dataType: 'json' })
    return { statusCode: res.statusCode, data: res.data }
  } catch (err) {
    // Some platforms (e.g. dd/alipay) reject non-2xx responses; the body may still be attached.
    const e = err as { data?: unknown; status?: number; statusCode?: number } | null
    if (isApiError(e?.data)) return { statusCode: e?.statusCode ?? e?.status ?? 400, data: e?.data }
    throw new ApiRequestError(NETWORK_ERROR, 'NETWORK_ERROR')
  }
}

function toError(res: RawResult): ApiRequestError {
  if (isApiError(res.data)) return new ApiRequestError(res.data.message, res.data.code, res.statusCode, res.data.details)
  return new ApiRequestError(`服务异常（${res.statusCode}），请稍后重试`, 'HTTP_ERROR', res.statusCode)
}

let refreshing: Promise<boolean> | null = null

/** One refresh at a time: a refresh token works once, so concurrent 401s must share it. */
function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = (Taro.getStorageSync(TOKEN_KEYS.refresh) as string) || ''
    if (!refreshToken) return false
    try {
      const res = await rawRequest('POST', pathOf(API.auth.refresh), { refreshToken }, '')
      if (res.statusCode < 200 || res.statusCode >= 300) return false
      saveSession(res.data as TokenPair)
      return true
    } catch {
      return false
    }
  })().finally(() => {
    refreshing = null
  })
  return refreshing
}

/**
 * Handles what any authenticated call may answer: an expired access token (refreshed once
 * and the call repeated), a session that ended (back to login), a temporary password.
 */
async function withSession(call: (token: string) => Promise<RawResult>): Promise<unknown> {
  let res = await call(accessToken())
  if (res.statusCode === 401 && isApiError(res.data) && res.data.code === 'TOKEN_INVALID' && (await refreshTokens())) {
    res = await call(accessToken())
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  const error = toError(res)
  if (res.statusCode === 401) toLogin(error.message)
  if (error.code === 'PASSWORD_CHANGE_REQUIRED') void Taro.reLaunch({ url: PAGES.password })
  throw error
}

export function apiGet<T>(def: RouteDef, params?: Record<string, string | number>, query?: Query): Promise<T> {
  return withSession((token) => rawRequest('GET', pathOf(def, params, query), undefined, token)) as Promise<T>
}

export function apiPost<T>(def: RouteDef, params: Record<string, string | number> | undefined, body: unknown): Promise<T> {
  return withSession((token) => rawRequest('POST', pathOf(def, params), body ?? {}, token)) as Promise<T>
}

/** POST JSON without a session (login); resolves with the body on 2xx, throws ApiRequestError otherwise. */
export async function postJson<T>(path: string, data: unknown): Promise<T> {
  const res = await rawRequest('POST', path, data, '')
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data as T
  throw toError(res)
}

export async function login(username: string, password: string): Promise<LoginResponse> {
  const body = await postJson<LoginResponse>(pathOf(API.auth.login), { username, password })
  saveSession(body)
  return body
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<LoginResponse> {
  const body = await apiPost<LoginResponse>(API.auth.changePassword, undefined, { oldPassword, newPassword })
  saveSession(body)
  return body
}

export async function logout(): Promise<void> {
  try {
    await rawRequest('POST', pathOf(API.auth.logout), {}, accessToken())
  } catch {
    // Leaving anyway: the tokens are dropped below.
  }
  clearSession()
}

/* ---------------------------------------------------------------- files */

/** A file picked on the device: a browser File on H5, a temporary path on mini-programs. */
export type PickedFile = { kind: 'web'; file: File; name: string } | { kind: 'mini'; path: string; name: string }

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch {
    return data
  }
}

async function uploadOnce(url: string, files: PickedFile[], token: string): Promise<RawResult> {
  if (process.env.TARO_ENV === 'h5') {
    const form = new FormData()
    for (const f of files) if (f.kind === 'web') form.append('file', f.file, f.name)
    try {
      const res = await fetch(`${API_BASE}${url}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form })
      return { statusCode: res.status, data: await res.json().catch(() => null) }
    } catch {
      throw new ApiRequestError(NETWORK_ERROR, 'NETWORK_ERROR')
    }
  }
  // Mini-programs upload one file per request (Taro.uploadFile); the answers are joined.
  const stored: unknown[] = []
  for (const f of files) {
    if (f.kind !== 'mini') continue
    let res: Taro.uploadFile.SuccessCallbackResult
    try {
      res = await Taro.uploadFile({ url: `${API_BASE}${url}`, filePath: f.path, name: 'file', header: { Authorization: `Bearer ${token}` } })
    } catch {
      throw new ApiRequestError(NETWORK_ERROR, 'NETWORK_ERROR')
    }
    const data = parseJson(res.data)
    if (res.statusCode < 200 || res.statusCode >= 300) return { statusCode: res.statusCode, data }
    if (Array.isArray(data)) stored.push(...data)
  }
  return { statusCode: 200, data: stored }
}

/** POST /cases/:id/documents?docType=X with one or more files; answers the stored documents. */
export function uploadDocuments<T>(caseId: number, docType: string, files: PickedFile[]): Promise<T> {
  const url = pathOf(API.cases.uploadDocuments, { id: caseId }, { docType })
  return withSession((token) => uploadOnce(url, files, token)) as Promise<T>
}

/** Let the user pick files on a mini-program (the H5 page uses an <input type=file multiple>). */
export async function chooseMiniFiles(): Promise<PickedFile[]> {
  if (typeof Taro.chooseMessageFile === 'function' && process.env.TARO_ENV === 'weapp') {
    const res = await Taro.chooseMessageFile({ count: 9, type: 'all' })
    return res.tempFiles.map((f) => ({ kind: 'mini' as const, path: f.path, name: f.name }))
  }
  // 政务钉钉 has no chooser for chat files: photos of the paper documents instead.
  const res = await Taro.chooseImage({ count: 9, sourceType: ['album', 'camera'] })
  return res.tempFilePaths.map((path, i) => ({ kind: 'mini' as const, path, name: `照片${i + 1}` }))
}

/** Download a case document with the session's token and hand it to the user. */
export async function downloadDocument(id: number, fileName: string): Promise<void> {
  const url = `${API_BASE}${pathOf(API.cases.downloadDocument, { id })}`
  if (process.env.TARO_ENV === 'h5') {
    const blob = (await withSession(async (token) => {
      try {
        const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
        if (!res.ok) return { statusCode: res.status, data: await res.json().catch(() => null) }
        return { statusCode: 200, data: await res.blob() }
      } catch {
        throw new ApiRequestError(NETWORK_ERROR, 'NETWORK_ERROR')
      }
    })) as Blob
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = fileName
    document.body.appendChild(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000)
    return
  }
  const path = (await withSession(async (token) => {
    try {
      const res = await Taro.downloadFile({ url, header: { Authorization: `Bearer ${token}` } })
      return { statusCode: res.statusCode, data: res.statusCode === 200 ? res.tempFilePath : null }
    } catch {
      throw new ApiRequestError(NETWORK_ERROR, 'NETWORK_ERROR')
    }
  })) as string
  await Taro.openDocument({ filePath: path, showMenu: true })
}
