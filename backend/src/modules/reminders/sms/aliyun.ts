import Dysmsapi, { QuerySendDetailsRequest, SendBatchSmsRequest, SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil, AlibabaCloudError } from '@alicloud/openapi-core';
import { maskPhone } from '@lfxj/contracts';
import { isRetryableSmsCode, smsCodeHint } from './codes';
import { assertBatchSize, assertSignName, isSendablePhone } from './limits';
import { SMS_LOCAL_CODES, type SmsBatchItem, type SmsCheck, type SmsDriver, type SmsMessage, type SmsQuery, type SmsResult } from './types';

export interface AliyunSmsOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** The approved sign name without 【】, 2–12 characters. */
  signName: string;
  /** `host[:port]` (or `https://host`); default `dysmsapi.aliyuncs.com`. */
  endpoint?: string;
  /** Default https. */
  protocol?: 'https' | 'http';
  /** Connect and read timeout each; default 10 s (Aliyun advises at least 1 s). */
  timeoutMs?: number;
}

const DEFAULT_ENDPOINT = 'dysmsapi.aliyuncs.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;
/** Errors Node's sockets report when nothing (or no answer) got through. */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN',
]);
/** Of those, the ones that happen before a request can leave: the message certainly did not go out. */
const BEFORE_SENDING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN']);
/** QuerySendDetails: at most 50 records a page; a number gets far fewer messages a day than this many pages hold. */
const QUERY_PAGE_SIZE = 50;
const QUERY_MAX_PAGES = 20;

/** The part of the SDK's SendSms / SendBatchSms responses we read (both bodies have these fields). */
interface AliyunAnswer {
  statusCode?: number;
  body?: { code?: string; message?: string; bizId?: string; requestId?: string };
}

/** The part of QuerySendDetails' response we read. */
interface AliyunDetails {
  body?: {
    code?: string; message?: string; requestId?: string; totalCount?: string;
    smsSendDetailDTOs?: { smsSendDetailDTO?: Array<{ outId?: string; phoneNum?: string; sendStatus?: number; errCode?: string; sendDate?: string }> };
  };
}

/** SendStatus of QuerySendDetails: 1 waiting for the carrier's receipt, 2 failed, 3 delivered. */
const SEND_STATUS: Record<number, string> = { 1: '等待回执', 2: '发送失败', 3: '发送成功' };

/** What the SDK and Node put on what they throw; read defensively, it is `unknown`. */
interface ThrownFields {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  syscall?: unknown;
  data?: unknown;
}

function endpointOf(opts: AliyunSmsOptions): { host: string; protocol: 'https' | 'http' } {
  const raw = (opts.endpoint ?? DEFAULT_ENDPOINT).trim();
  if (!raw.includes('://')) {
    if (!HOST.test(raw)) throw new Error(`短信服务地址不合法，应为“主机名[:端口]”：${raw}`);
    return { host: raw, protocol: opts.protocol ?? 'https' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`短信服务地址不合法：${raw}`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'https' && scheme !== 'http') throw new Error(`短信服务地址只支持 http 或 https：${raw}`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw new Error(`短信服务地址只能包含协议、主机名和端口：${raw}`);
  }
  if (opts.protocol && opts.protocol !== scheme) {
    throw new Error(`短信服务地址的协议（${scheme}）与 protocol 设置（${opts.protocol}）不一致`);
  }
  return { host: url.host, protocol: scheme };
}

/**
 * Provider text for people: no full phone numbers (some Aliyun errors echo the request) and no
 * URLs (the SDK's own errors carry the whole query string, template parameters included).
 */
function scrub(text: string): string {
  return text
    .replace(/https?:\/\/\S+/g, '（地址略）')
    .replace(/\d{7,}/g, (digits) => maskPhone(digits) ?? '****')
    .slice(0, 300);
}

function invalidPhone(phone: string, position?: number): SmsResult {
  const where = position === undefined ? '' : `第 ${position + 1} 条的`;
  return {
    ok: false,
    providerId: null,
    code: SMS_LOCAL_CODES.INVALID_PHONE,
    message: `${where}手机号码格式不正确，未发送：${maskPhone(phone.trim()) ?? '（空）'}`,
    retryable: false,
  };
}

function refusal(code: string, providerMessage: unknown, requestId: unknown, httpStatus?: number): SmsResult {
  // First line only: a signature error goes on with Aliyun's string to sign.
  const first = typeof providerMessage === 'string' ? providerMessage.split('\n')[0].trim() : '';
  const text = first ? `：${scrub(first)}` : '';
  const id = typeof requestId === 'string' && requestId ? `（RequestId ${requestId}）` : '';
  const status = httpStatus !== undefined && httpStatus !== 200 ? `HTTP ${httpStatus}，` : '';
  return {
    ok: false,
    providerId: null,
    code,
    message: `${smsCodeHint(code) ?? '阿里云短信未受理'}（${status}${code}）${text}${id}`,
    retryable: isRetryableSmsCode(code, httpStatus),
  };
}

/** Turns whatever the SDK threw into a result; only our own messages, never the SDK's (see scrub). */
function failure(err: unknown): SmsResult {
  const e: ThrownFields = typeof err === 'object' && err !== null ? (err as ThrownFields) : {};
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (err instanceof AlibabaCloudError || (status !== undefined && typeof e.code === 'string')) {
    // The SDK writes `${code}`, so an answer without a Code arrives as the string 'undefined'.
    const code = typeof e.code === 'string' && e.code && e.code !== 'undefined' ? e.code : `HTTP_${status ?? 0}`;
    const data = typeof e.data === 'object' && e.data !== null ? (e.data as Record<string, unknown>) : {};
    return refusal(code, data.Message ?? data.message, data.RequestId ?? data.requestId, status);
  }
  if (e.name === 'RequestTimeoutError') {
    return {
      ok: false, providerId: null, code: SMS_LOCAL_CODES.TIMEOUT, retryable: true, uncertain: true,
      message: '连接阿里云短信服务超时，结果未知（可能已发出），核实后再决定是否重发',
    };
  }
  if (typeof e.code === 'string' && (NETWORK_ERRNOS.has(e.code) || typeof e.syscall === 'string')) {
    const before = BEFORE_SENDING.has(e.code);
    return {
      ok: false, providerId: null, code: SMS_LOCAL_CODES.NETWORK_ERROR, retryable: true, uncertain: !before,
      message: before ? `无法连接阿里云短信服务（${e.code}），稍后重试` : `与阿里云短信服务的连接中断（${e.code}），结果未知，核实后再决定是否重发`,
    };
  }
  if (err instanceof SyntaxError) {
    // The SDK parses every answer as JSON; Aliyun always sends JSON, a proxy's error page does not.
    return {
      ok: false, providerId: null, code: SMS_LOCAL_CODES.BAD_RESPONSE, retryable: true, uncertain: true,
      message: '阿里云短信服务的应答不是 JSON（可能是代理或网关的错误页），结果未知，核实后再决定是否重发',
    };
  }
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const detail = err instanceof Error ? `：${scrub(err.message)}` : '';
  return { ok: false, providerId: null, code: SMS_LOCAL_CODES.SDK_ERROR, retryable: false, message: `短信 SDK 出错（${name}）${detail}` };
}

/**
 * Aliyun dysmsapi 2017-05-25 through the official SDK, which signs with ACS3-HMAC-SHA256.
 * Every provider answer, timeout and network error comes back as an SmsResult; nothing is
 * retried here (the API is not idempotent: retries and de-duplication belong to the outbox).
 */
export class AliyunSmsDriver implements SmsDriver {
  readonly name = 'aliyun' as const;
  readonly signName: string;
  readonly endpoint: string;
  readonly protocol: 'https' | 'http';
  // An ES private field, so logging the driver does not walk into the SDK's credentials.
  readonly #client: Dysmsapi;

  constructor(opts: AliyunSmsOptions) {
    if (!opts.accessKeyId || !opts.accessKeySecret) throw new Error('阿里云短信需要 AccessKey ID 和 AccessKey Secret');
    this.signName = assertSignName(opts.signName);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`短信超时时间须为正整数毫秒：${timeoutMs}`);
    const { host, protocol } = endpointOf(opts);
    this.endpoint = host;
    this.protocol = protocol;
    // No retryOptions: the SDK then makes exactly one attempt per call.
    this.#client = new Dysmsapi(new $OpenApiUtil.Config({
      accessKeyId: opts.accessKeyId,
      accessKeySecret: opts.accessKeySecret,
      endpoint: host,
      protocol,
      connectTimeout: timeoutMs,
      readTimeout: timeoutMs,
    }));
  }

  async send(msg: SmsMessage): Promise<SmsResult> {
    // A comma would make SendSms send the same text to several numbers.
    if (!isSendablePhone(msg.phone)) return invalidPhone(msg.phone);
    const request = new SendSmsRequest({
      phoneNumbers: msg.phone,
      signName: this.signName,
      templateCode: msg.templateCode,
      templateParam: JSON.stringify(msg.params),
      outId: msg.outId,
    });
    return this.call(() => this.#client.sendSms(request));
  }

  async sendBatch(templateCode: string, items: SmsBatchItem[], outId?: string): Promise<SmsResult> {
    assertBatchSize(items.length);
    const bad = items.findIndex((item) => !isSendablePhone(item.phone));
    if (bad >= 0) return invalidPhone(items[bad].phone, bad);
    const request = new SendBatchSmsRequest({
      templateCode,
      phoneNumberJson: JSON.stringify(items.map((item) => item.phone)),
      signNameJson: JSON.stringify(items.map(() => this.signName)),
      templateParamJson: JSON.stringify(items.map((item) => item.params)),
      outId,
    });
    return this.call(() => this.#client.sendBatchSms(request));
  }

  /**
   * QuerySendDetails for the number on each day the message may have been sent, page by page,
   * looking for our OutId. The answer has no BizId (see the SDK's SmsSendDetailDTO), so a
   * confirmed message keeps its OutId as the reference.
   */
  async query(q: SmsQuery): Promise<SmsCheck> {
    if (!isSendablePhone(q.phone)) return { state: 'unknown', final: true, code: SMS_LOCAL_CODES.INVALID_PHONE, message: '手机号码格式不正确，无法查询' };
    for (const day of q.days) {
      for (let page = 1; page <= QUERY_MAX_PAGES; page++) {
        const request = new QuerySendDetailsRequest({
          phoneNumber: q.phone, sendDate: day.replace(/-/g, ''), pageSize: QUERY_PAGE_SIZE, currentPage: page,
        });
        let answer: AliyunDetails;
        try {
          answer = await this.#client.querySendDetails(request);
        } catch (err) {
          const f = failure(err);
          return { state: 'unknown', final: false, code: f.code, message: `查询发送记录失败：${f.message}` };
        }
        const body = answer.body ?? {};
        if (body.code !== 'OK') {
          const f = body.code ? refusal(body.code, body.message, body.requestId) : { code: SMS_LOCAL_CODES.BAD_RESPONSE, message: '应答缺少 Code' };
          return { state: 'unknown', final: false, code: f.code, message: `查询发送记录失败：${f.message}` };
        }
        const records = body.smsSendDetailDTOs?.smsSendDetailDTO ?? [];
        const found = records.find((r) => r.outId === q.outId);
        if (found) {
          const at = found.sendDate ? new Date(`${found.sendDate.replace(' ', 'T')}+08:00`) : null;
          const status = SEND_STATUS[found.sendStatus ?? 0] ?? `状态 ${found.sendStatus}`;
          return {
            state: 'sent', providerId: null, at: at && !Number.isNaN(at.getTime()) ? at : null,
            detail: `阿里云已受理（OutId ${q.outId}，${status}${found.errCode ? `，${found.errCode}` : ''}）`,
          };
        }
        const total = Number(body.totalCount ?? 0);
        if (!records.length || page * QUERY_PAGE_SIZE >= total) break;
      }
    }
    return { state: 'not_sent' };
  }

  private async call(request: () => Promise<AliyunAnswer>): Promise<SmsResult> {
    let answer: AliyunAnswer;
    try {
      answer = await request();
    } catch (err) {
      return failure(err);
    }
    const body = answer.body ?? {};
    if (body.code === 'OK') {
      return { ok: true, providerId: body.bizId || null, code: 'OK', message: '阿里云短信已受理', retryable: false };
    }
    if (!body.code) {
      // JSON without a Code: we cannot tell whether it was taken.
      return {
        ok: false, providerId: null, code: SMS_LOCAL_CODES.BAD_RESPONSE, retryable: true,
        message: '阿里云短信服务的应答缺少 Code，结果未知，稍后重试',
      };
    }
    // Refusals of the message itself come as HTTP 200 with a code.
    return refusal(body.code, body.message, body.requestId);
  }
}
