/**
 * Which Aliyun answers are worth trying again. SendSms is not idempotent, so "retryable" means
 * the provider did not take the message (or we cannot know) and a later attempt can succeed
 * without anyone changing the configuration, the template or the number.
 */

/** Provider-side trouble and limits that lift with time. */
const RETRYABLE = new Set([
  'isp.SYSTEM_ERROR',
  'isp.GATEWAY_ERROR',
  'isp.UNKNOWN',
  // Per-number frequency limit (minute / hour / day): clears by itself; the outbox's backoff
  // decides whether the reminder is still worth sending then.
  'isv.BUSINESS_LIMIT_CONTROL',
  // The account's daily quota: same reasoning, it resets the next day.
  'isv.DAY_LIMIT_CONTROL',
  // "The data does not exist, please try again later" (a just-approved template or sign).
  'isv.DATA_NOT_EXIST',
  // Gateway answers (HTTP 5xx) and a nonce collision, which a new request does not repeat.
  'InternalError',
  'ServiceUnavailable',
  'SignatureNonceUsed',
]);

/**
 * Answers that will repeat until a person fixes something: the number, the template, the sign
 * name, the account (balance, activation, RAM rights, IP whitelist) or the AccessKey. Listed
 * for the record; unknown `isv.*` and 4xx codes are permanent too (see isRetryableSmsCode).
 */
export const PERMANENT_SMS_CODES: ReadonlySet<string> = new Set([
  'isv.MOBILE_NUMBER_ILLEGAL',
  'isv.MOBILE_COUNT_OVER_LIMIT',
  'isv.SMS_TEMPLATE_ILLEGAL',
  'isv.SMS_SIGNATURE_ILLEGAL',
  'isv.SMS_SIGN_ILLEGAL',
  'isv.SIGN_NAME_ILLEGAL',
  'isv.TEMPLATE_MISSING_PARAMETERS',
  'isv.TEMPLATE_PARAMS_ILLEGAL',
  'isv.INVALID_PARAMETERS',
  'isv.INVALID_JSON_PARAM',
  'isv.PARAM_LENGTH_LIMIT',
  'isv.PARAM_NOT_SUPPORT_URL',
  'isv.BLACK_KEY_CONTROL_LIMIT',
  'isv.DENY_IP_RANGE',
  'isv.EXTEND_CODE_ERROR',
  'isv.DOMESTIC_NUMBER_NOT_SUPPORTED',
  // Account problems: a person has to top up or activate; retrying would only hammer the API.
  'isv.OUT_OF_SERVICE',
  'isv.AMOUNT_NOT_ENOUGH',
  'isv.PRODUCT_UN_SUBSCRIPT',
  'isv.PRODUCT_UNSUBSCRIBE',
  'isv.ACCOUNT_NOT_EXISTS',
  'isv.ACCOUNT_ABNORMAL',
  'isv.RAM_PERMISSION_DENY',
  'isp.RAM_PERMISSION_DENY',
  // Authentication: a wrong AccessKey or a broken signature is a configuration problem.
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'Forbidden.RAM',
  'Forbidden.AccessKeyDisabled',
  'NoPermission',
  // The server's clock is off by more than Aliyun allows: fix the clock, not retry.
  'InvalidTimeStamp.Expired',
  'InvalidVersion',
  'InvalidAction.NotFound',
]);

/**
 * `code` as Aliyun answered it; `httpStatus` when the answer came with one other than 200.
 * Unknown codes: provider-side (`isp.*`), throttling and HTTP 5xx are retryable; everything
 * else is permanent, so a new kind of refusal shows up as a failure instead of a retry loop.
 */
export function isRetryableSmsCode(code: string, httpStatus?: number): boolean {
  if (RETRYABLE.has(code)) return true;
  if (PERMANENT_SMS_CODES.has(code)) return false;
  if (code.startsWith('isp.') || code.startsWith('Throttling')) return true;
  return httpStatus !== undefined && httpStatus >= 500;
}

/** Short Chinese explanations for the codes an operator is most likely to meet. */
const HINTS: Record<string, string> = {
  'isp.SYSTEM_ERROR': '阿里云短信系统错误，稍后重试',
  'isv.BUSINESS_LIMIT_CONTROL': '触发对同一号码的发送频率限制，稍后重试',
  'isv.DAY_LIMIT_CONTROL': '已达账户当日发送上限，次日恢复',
  'isv.MOBILE_NUMBER_ILLEGAL': '手机号码格式错误',
  'isv.SMS_TEMPLATE_ILLEGAL': '短信模板不存在或未通过审核',
  'isv.SMS_SIGNATURE_ILLEGAL': '短信签名不存在或未通过审核',
  'isv.TEMPLATE_MISSING_PARAMETERS': '短信模板变量缺少参数',
  'isv.INVALID_PARAMETERS': '短信参数不合法',
  'isv.INVALID_JSON_PARAM': '模板参数不是合法 JSON（变量值须为字符串）',
  'isv.BLACK_KEY_CONTROL_LIMIT': '模板变量含有黑名单关键字',
  'isv.PARAM_LENGTH_LIMIT': '模板变量超长',
  'isv.DENY_IP_RANGE': '本服务器 IP 不在阿里云短信的白名单内',
  'isv.OUT_OF_SERVICE': '阿里云账户已停机（欠费），请充值',
  'isv.AMOUNT_NOT_ENOUGH': '阿里云账户余额不足，请充值',
  SignatureDoesNotMatch: '请求签名不匹配，请检查 AccessKey Secret',
  IncompleteSignature: '请求签名不完整，请检查 AccessKey 配置',
  'InvalidAccessKeyId.NotFound': 'AccessKey ID 不存在',
  'InvalidAccessKeyId.Inactive': 'AccessKey 已停用',
  'InvalidTimeStamp.Expired': '请求时间与阿里云相差过大，请校准服务器时钟',
  InternalError: '阿里云短信服务内部错误，稍后重试',
  ServiceUnavailable: '阿里云短信服务暂不可用，稍后重试',
};

export function smsCodeHint(code: string): string | undefined {
  if (code.startsWith('Throttling')) return '调用过于频繁，被阿里云限流，稍后重试';
  return Object.prototype.hasOwnProperty.call(HINTS, code) ? HINTS[code] : undefined;
}
