/** Stable error codes. Every error leaves the API as `{ code, message, details }`. */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: '请求参数不正确' },
  BAD_JSON: { status: 400, message: '请求体不是合法的 JSON' },
  BODY_TOO_LARGE: { status: 413, message: '请求体过大' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: '请求体须为 application/json' },
  ROUTE_NOT_FOUND: { status: 404, message: '接口不存在' },
  NOT_FOUND: { status: 404, message: '记录不存在' },
  UNAUTHENTICATED: { status: 401, message: '请先登录' },
  TOKEN_INVALID: { status: 401, message: '登录凭证无效或已过期，请重新登录' },
  SESSION_IDLE: { status: 401, message: '长时间未操作，会话已结束，请重新登录' },
  SESSION_REVOKED: { status: 401, message: '会话已注销，请重新登录' },
  INVALID_CREDENTIALS: { status: 401, message: '用户名或密码错误' },
  TEMP_PASSWORD_EXPIRED: { status: 401, message: '临时密码已过期，请联系管理员重置' },
  REFRESH_TOKEN_INVALID: { status: 401, message: '刷新凭证无效或已过期，请重新登录' },
  REFRESH_TOKEN_REUSED: { status: 401, message: '刷新凭证已被使用，为安全起见该会话已注销，请重新登录' },
  /** Growing delays after login failures (per account name and per client address); the answer carries Retry-After. */
  LOGIN_THROTTLED: { status: 429, message: '登录失败次数较多，请稍后再试' },
  /** The hard lock after sustained failures; the answer carries Retry-After, an admin can unlock. */
  ACCOUNT_LOCKED: { status: 423, message: '登录失败次数过多，账号已临时锁定' },
  ACCOUNT_INACTIVE: { status: 403, message: '账号已停用（调离、退休或禁用），不能登录' },
  PASSWORD_CHANGE_REQUIRED: { status: 403, message: '请先修改临时密码' },
  PASSWORD_POLICY: { status: 400, message: '新密码不符合密码规则' },
  PASSWORD_WRONG: { status: 400, message: '原密码不正确' },
  FORBIDDEN: { status: 403, message: '无权进行此操作' },
  CONFLICT: { status: 409, message: '数据已被修改或已存在，请刷新后重试' },
  RULE_VIOLATION: { status: 422, message: '不符合业务规则' },
  INTERNAL: { status: 500, message: '服务器内部错误，请稍后重试' },
  /** The database cannot be reached; the answer carries Retry-After. Nothing was changed. */
  DB_UNAVAILABLE: { status: 503, message: '数据库暂时无法访问，本次操作未执行，请稍后重试' },
  /** /health: a background job (the reminder scan, the sender) is failing or has stopped completing. */
  JOBS_FAILING: { status: 503, message: '后台任务异常' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** Field-level problems carried in `details.fields` of a VALIDATION_FAILED error. */
export interface FieldProblem {
  field: string;
  message: string;
}
