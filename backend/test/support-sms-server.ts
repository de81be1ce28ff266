/**
 * A small stand-in for Aliyun's SMS API (dysmsapi 2017-05-25), for tests: on 127.0.0.1 and a
 * random port, so the real SDK can be pointed at it (endpoint `127.0.0.1:<port>`, protocol http).
 * It checks a request the way Aliyun does before it answers, so a test passing against it
 * means the SDK call would be accepted by the real service:
 * - the V3 signature (`Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`),
 *   recomputed here from the secret over the canonical request (method, path, sorted and
 *   RFC 3986-encoded query, signed headers, SHA-256 of the body); the AccessKey ID; the body
 *   against `x-acs-content-sha256`; `x-acs-date` within 15 minutes; a nonce used only once;
 * - `x-acs-action` (SendSms / SendBatchSms / QuerySendDetails) and `x-acs-version` 2017-05-25, both signed;
 * - the parameters: numbers, approved sign names, known templates, TemplateParam as a JSON
 *   object of strings that fills every `${var}` of the template; batches of at most 100 with
 *   arrays of equal length; the OutId of a send is kept with each message;
 * - QuerySendDetails: one number (PhoneNumber), a SendDate `yyyyMMdd` (Beijing time) within the
 *   last 30 days, PageSize 1–50 and CurrentPage ≥ 1 all required, an optional BizId; it answers
 *   the messages accepted for that number that day, oldest first, page by page, with
 *   `TotalCount` and `SmsSendDetailDTOs.SmsSendDetailDTO[]` (PhoneNum, SendStatus, ErrCode,
 *   TemplateCode, Content, SendDate, ReceiveDate, OutId: no BizId, as Aliyun).
 * Answers look like Aliyun's: JSON `{ Code, Message, BizId?, RequestId }`; refusals of the
 * message itself with HTTP 200, authentication and malformed requests with 4xx.
 * A test can hold the answer to an accepted send (`holdNext`): the messages count as sent, the
 * caller hears nothing until `releaseHeld`, which lets a test kill the sender in that window.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface FakeSmsOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** Approved sign names. */
  signNames: string[];
  /** Approved templates: code → content with `${var}` placeholders. */
  templates: Record<string, string>;
}

/** One message the fake accepted (a batch gives one per number, sharing the BizId). */
export interface AcceptedSms {
  action: 'SendSms' | 'SendBatchSms';
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  /** The template rendered with the params, as the phone would show it (without the sign). */
  text: string;
  bizId: string;
  /** The caller's OutId for the call (one for a whole batch), if it gave one. */
  outId: string | null;
  /** When it was accepted. */
  at: Date;
}

export interface SeenSmsRequest {
  action: string;
  status: number;
  code: string;
  /** QuerySendDetails: the number asked about. */
  phone?: string;
}

type Action = 'SendSms' | 'SendBatchSms' | 'QuerySendDetails';

/** What to answer instead, once the request has passed the signature check. */
export interface FakeSmsFailure {
  /** Aliyun's code, e.g. `isp.SYSTEM_ERROR`; with `html` it is only recorded. */
  code: string;
  /** Default 200, as Aliyun answers refusals of the message itself. */
  status?: number;
  message?: string;
  /** Answer an HTML page instead of JSON (a proxy's error page). */
  html?: boolean;
  /** Only requests of this action take it (default: the next signed request of any action). */
  action?: Action;
}

export interface FakeSms {
  /** `127.0.0.1:<port>`: the endpoint to give the SDK. */
  endpoint: string;
  messages: AcceptedSms[];
  requests: SeenSmsRequest[];
  /** The next `count` signed requests get `failure` instead of being processed. */
  failNext(count: number, failure: FakeSmsFailure): void;
  /** The next `count` requests wait `ms` before being processed (for client timeouts). */
  delayNext(count: number, ms: number): void;
  /**
   * The next `count` sends (SendSms / SendBatchSms) are accepted and recorded, but their answer
   * is held back until `releaseHeld()`.
   */
  holdNext(count: number): void;
  /** Resolves with the messages of the next send whose answer is held (at once if one is held already). */
  nextHeld(): Promise<AcceptedSms[]>;
  /** Answer every held send (a caller that died meanwhile gets nothing). */
  releaseHeld(): void;
  close(): Promise<void>;
}

class AliyunFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = '2017-05-25';
const ALGORITHM = 'ACS3-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_BODY_BYTES = 1024 * 1024;
const BATCH_MAX = 100;
const SEND_MAX = 1000;
/** Mainland mobile numbers, optionally with the 86 country code (what Aliyun takes for domestic SMS). */
const MOBILE = /^(?:\+?86|0086)?1\d{10}$/;

// ---- ACS3-HMAC-SHA256 ----

/** RFC 3986 percent-encoding, as Aliyun's canonical query string uses it. */
export function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Strict `a=b&c=d` parsing: `+` is a space (form encoding), a repeated key is refused. */
function parseUrlEncoded(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!text) return out;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw new AliyunFailure(400, 'InvalidParameter', `The ${where} is not well-formed URL encoding.`);
    }
    if (out.has(key)) throw new AliyunFailure(400, 'InvalidParameter', `The parameter ${key} is given more than once.`);
    out.set(key, value);
  }
  return out;
}

export function canonicalRequest(method: string, path: string, query: Map<string, string>, headers: http.IncomingHttpHeaders, signedHeaders: string[], payloadHash: string): string {
  const canonicalQuery = [...query.keys()].sort()
    .map((k) => `${acsEncode(k)}=${acsEncode(query.get(k) ?? '')}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => {
    const v = headers[h];
    return `${h}:${(Array.isArray(v) ? v.join(',') : v ?? '').trim()}\n`;
  }).join('');
  return `${method}\n${path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders.join(';')}\n${payloadHash}`;
}

export function acs3Signature(secret: string, canonical: string): { stringToSign: string; signature: string } {
  const stringToSign = `${ALGORITHM}\n${sha256Hex(canonical)}`;
  return { stringToSign, signature: createHmac('sha256', secret).update(stringToSign).digest('hex') };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

interface Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string | undefined): Authorization {
  const incomplete = (why: string): AliyunFailure => new AliyunFailure(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: ${why}`);
  if (!value) throw incomplete('the Authorization header is missing.');
  const sp = value.indexOf(' ');
  const algorithm = sp < 0 ? value : value.slice(0, sp);
  if (algorithm !== ALGORITHM) throw incomplete(`unsupported signature algorithm ${algorithm}.`);
  const fields = new Map<string, string>();
  for (const part of value.slice(sp + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signed || !signature) throw incomplete('Credential, SignedHeaders and Signature are all required.');
  if (!/^[0-9a-f]{64}$/.test(signature)) throw incomplete('the Signature is not a lowercase hex SHA-256 HMAC.');
  const signedHeaders = signed.split(';');
  const sorted = [...signedHeaders].sort();
  if (signedHeaders.some((h, i) => h !== h.toLowerCase() || h !== sorted[i] || h === signedHeaders[i - 1])) {
    throw incomplete('SignedHeaders must be lowercase, sorted and without repeats.');
  }
  return { accessKeyId, signedHeaders, signature };
}

interface SignedRequest {
  action: string;
  version: string;
  params: Map<string, string>;
}

function verify(req: http.IncomingMessage, body: Buffer, opts: FakeSmsOptions, nonces: Map<string, number>): SignedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== '/') throw new AliyunFailure(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
  const query = parseUrlEncoded(q < 0 ? '' : url.slice(q + 1), 'query string');
  const auth = parseAuthorization(header(req, 'authorization'));

  // Everything Aliyun relies on must be covered by the signature.
  const required = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-acs-') || name === 'content-type') required.push(name);
  }
  for (const name of new Set(required)) {
    if (header(req, name) === undefined) throw new AliyunFailure(400, 'IncompleteSignature', `The request is missing the ${name} header.`);
    if (!auth.signedHeaders.includes(name)) throw new AliyunFailure(400, 'IncompleteSignature', `The ${name} header must be signed.`);
  }
  for (const name of auth.signedHeaders) {
    if (header(req, name) === undefined) throw new AliyunFailure(400, 'IncompleteSignature', `The signed header ${name} is missing.`);
  }

  if (auth.accessKeyId !== opts.accessKeyId) throw new AliyunFailure(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');

  const date = header(req, 'x-acs-date') ?? '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(date) || Number.isNaN(Date.parse(date))) {
    throw new AliyunFailure(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
  }
  if (Math.abs(Date.now() - Date.parse(date)) > MAX_SKEW_MS) {
    throw new AliyunFailure(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
  }

  const payloadHash = sha256Hex(body);
  if (header(req, 'x-acs-content-sha256') !== payloadHash) {
    throw new AliyunFailure(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the request body.');
  }
  const canonical = canonicalRequest(req.method ?? '', path, query, req.headers, auth.signedHeaders, payloadHash);
  const { stringToSign, signature } = acs3Signature(opts.accessKeySecret, canonical);
  if (!sameHex(signature, auth.signature)) {
    // Aliyun echoes its string to sign; the canonical request is echoed too, which carries the
    // phone numbers of a SendSms, so tests can check the driver does not pass them on.
    throw new AliyunFailure(400, 'SignatureDoesNotMatch',
      `Specified signature does not match our calculation. server string to sign is:${stringToSign} canonical request is:${canonical}`);
  }

  // Only after the signature: a replayed nonce is refused, a fresh one remembered for the window.
  const nonce = header(req, 'x-acs-signature-nonce') ?? '';
  const now = Date.now();
  for (const [n, at] of nonces) if (now - at > MAX_SKEW_MS) nonces.delete(n);
  if (nonces.has(nonce)) throw new AliyunFailure(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
  nonces.set(nonce, now);

  // The form body joins the query parameters (SendBatchSms puts its arrays there).
  const params = new Map(query);
  const contentType = header(req, 'content-type') ?? '';
  if (body.length > 0) {
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      throw new AliyunFailure(400, 'InvalidParameter', `Unsupported content type ${contentType || '(none)'}.`);
    }
    for (const [k, v] of parseUrlEncoded(body.toString('utf8'), 'request body')) {
      if (params.has(k)) throw new AliyunFailure(400, 'InvalidParameter', `The parameter ${k} is given more than once.`);
      params.set(k, v);
    }
  }
  return { action: header(req, 'x-acs-action') ?? '', version: header(req, 'x-acs-version') ?? '', params };
}

// ---- SMS rules ----

/** A refusal of the message itself: Aliyun answers those with HTTP 200 and a code. */
function refuse(code: string, message: string): AliyunFailure {
  return new AliyunFailure(200, code, message);
}

function required(params: Map<string, string>, name: string): string {
  const v = params.get(name);
  if (v === undefined || v === '') throw new AliyunFailure(400, `Missing${name}`, `${name} is mandatory for this action.`);
  return v;
}

function checkPhone(phone: string): void {
  if (!MOBILE.test(phone)) throw refuse('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
}

function checkSign(opts: FakeSmsOptions, signName: unknown): string {
  if (typeof signName !== 'string' || !opts.signNames.includes(signName)) throw refuse('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
  return signName;
}

function templateOf(opts: FakeSmsOptions, code: string): string {
  if (!Object.prototype.hasOwnProperty.call(opts.templates, code)) throw refuse('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
  return opts.templates[code];
}

/** TemplateParam: a JSON object whose values are all strings (Aliyun refuses numbers). */
function paramsOf(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    out[k] = v;
  }
  return out;
}

function render(template: string, params: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) throw refuse('isv.TEMPLATE_MISSING_PARAMETERS', `模板缺少变量：${name}`);
    return params[name];
  });
}

function parseJson(text: string | undefined, code: string): unknown {
  if (text === undefined || text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw refuse(code, 'JSON参数不合法');
  }
}

function stringArray(params: Map<string, string>, name: string): string[] {
  const value = parseJson(required(params, name), 'isv.INVALID_PARAMETERS');
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw refuse('isv.INVALID_PARAMETERS', `${name} 必须是字符串数组`);
  return value as string[];
}

function newBizId(): string {
  return `${BigInt(`0x${randomBytes(7).toString('hex')}`).toString().padStart(17, '0')}^0`;
}

function sendSms(opts: FakeSmsOptions, params: Map<string, string>): AcceptedSms[] {
  const phones = required(params, 'PhoneNumbers').split(',');
  const signName = checkSign(opts, required(params, 'SignName'));
  const templateCode = required(params, 'TemplateCode');
  if (phones.length > SEND_MAX) throw refuse('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
  phones.forEach(checkPhone);
  const template = templateOf(opts, templateCode);
  const values = paramsOf(parseJson(params.get('TemplateParam'), 'isv.INVALID_JSON_PARAM'));
  const text = render(template, values);
  const bizId = newBizId();
  const outId = params.get('OutId') || null;
  const at = new Date();
  return phones.map((phone) => ({ action: 'SendSms', phone, signName, templateCode, params: values, text, bizId, outId, at }));
}

function sendBatchSms(opts: FakeSmsOptions, params: Map<string, string>): AcceptedSms[] {
  const templateCode = required(params, 'TemplateCode');
  const phones = stringArray(params, 'PhoneNumberJson');
  const signs = stringArray(params, 'SignNameJson');
  const template = templateOf(opts, templateCode);
  const paramList = params.has('TemplateParamJson') ? parseJson(params.get('TemplateParamJson'), 'isv.INVALID_JSON_PARAM') : phones.map(() => ({}));
  if (!Array.isArray(paramList)) throw refuse('isv.INVALID_JSON_PARAM', 'TemplateParamJson 必须是数组');
  if (phones.length > BATCH_MAX) throw refuse('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
  if (phones.length === 0 || signs.length !== phones.length || paramList.length !== phones.length) {
    throw refuse('isv.INVALID_PARAMETERS', '号码、签名与模板参数的个数必须相同');
  }
  const bizId = newBizId();
  const outId = params.get('OutId') || null;
  const at = new Date();
  return phones.map((phone, i) => {
    checkPhone(phone);
    const values = paramsOf(paramList[i]);
    return { action: 'SendBatchSms', phone, signName: checkSign(opts, signs[i]), templateCode, params: values, text: render(template, values), bizId, outId, at };
  });
}

/** Beijing time, as Aliyun prints it: `yyyy-MM-dd HH:mm:ss`. */
function beijing(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function positiveInt(params: Map<string, string>, name: string, max?: number): number {
  const raw = required(params, name);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || (max !== undefined && n > max)) {
    throw refuse('isv.INVALID_PARAMETERS', `${name} 取值不合法：${raw}${max ? `（1–${max}）` : ''}`);
  }
  return n;
}

/** The messages accepted for one number on one Beijing day, oldest first, one page of them. */
function querySendDetails(messages: AcceptedSms[], params: Map<string, string>): Record<string, unknown> {
  const phone = required(params, 'PhoneNumber');
  if (phone.includes(',')) throw refuse('isv.INVALID_PARAMETERS', '只能查询一个手机号码');
  checkPhone(phone);
  const sendDate = required(params, 'SendDate');
  if (!/^\d{8}$/.test(sendDate)) throw refuse('isv.INVALID_PARAMETERS', `SendDate 格式应为 yyyyMMdd：${sendDate}`);
  const day = `${sendDate.slice(0, 4)}-${sendDate.slice(4, 6)}-${sendDate.slice(6, 8)}`;
  const today = beijing(new Date()).slice(0, 10);
  const oldest = beijing(new Date(Date.now() - 30 * 86_400_000)).slice(0, 10);
  if (Number.isNaN(Date.parse(day)) || day > today || day < oldest) throw refuse('isv.INVALID_PARAMETERS', `只能查询最近 30 天的记录：${sendDate}`);
  const pageSize = positiveInt(params, 'PageSize', 50);
  const currentPage = positiveInt(params, 'CurrentPage');
  const bizId = params.get('BizId');
  const matching = messages.filter((m) => m.phone === phone && beijing(m.at).startsWith(day) && (!bizId || m.bizId === bizId));
  const page = matching.slice((currentPage - 1) * pageSize, currentPage * pageSize);
  return {
    TotalCount: String(matching.length),
    SmsSendDetailDTOs: {
      SmsSendDetailDTO: page.map((m) => ({
        PhoneNum: m.phone, SendStatus: 3, ErrCode: 'DELIVERED', TemplateCode: m.templateCode, Content: `【${m.signName}】${m.text}`,
        SendDate: beijing(m.at), ReceiveDate: beijing(m.at), ...(m.outId ? { OutId: m.outId } : {}),
      })),
    },
  };
}

// ---- server ----

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new AliyunFailure(413, 'InvalidParameter', 'The request body is too large.'));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startFakeSms(opts: FakeSmsOptions): Promise<FakeSms> {
  const messages: AcceptedSms[] = [];
  const requests: SeenSmsRequest[] = [];
  const nonces = new Map<string, number>();
  const failures: FakeSmsFailure[] = [];
  const delays: number[] = [];
  let holds = 0;
  /** Sends whose answer is held back; `seen` once a test took it from nextHeld(). */
  const held: Array<{ messages: AcceptedSms[]; release: () => void; seen: boolean }> = [];
  const waiting: Array<(entry: { messages: AcceptedSms[]; seen: boolean }) => void> = [];
  const releaseHeld = () => {
    holds = 0;
    for (const h of held.splice(0)) h.release();
  };
  const takeFailure = (action: string): FakeSmsFailure | undefined => {
    const i = failures.findIndex((f) => !f.action || f.action === action);
    return i < 0 ? undefined : failures.splice(i, 1)[0];
  };

  const answer = (res: http.ServerResponse, status: number, body: Record<string, unknown>): void => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': String(body.RequestId) });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const requestId = randomUUID().toUpperCase();
    const action = header(req, 'x-acs-action') ?? '';
    const seen: SeenSmsRequest = { action, status: 200, code: 'OK' };
    requests.push(seen);
    try {
      const body = await readBody(req);
      const delay = delays.shift();
      if (delay) await sleep(delay);
      if (req.method !== 'POST' && req.method !== 'GET') throw new AliyunFailure(405, 'UnsupportedHTTPMethod', 'Specified HTTP method is not supported.');
      const signed = verify(req, body, opts, nonces);
      const failure = takeFailure(signed.action);
      if (failure) {
        seen.status = failure.status ?? 200;
        seen.code = failure.code;
        if (failure.html) {
          res.writeHead(seen.status, { 'content-type': 'text/html' });
          res.end(`<html><body><h1>${seen.status}</h1>${failure.message ?? 'Bad Gateway'}</body></html>`);
          return;
        }
        answer(res, seen.status, { Code: failure.code, Message: failure.message ?? failure.code, RequestId: requestId });
        return;
      }
      if (signed.version !== VERSION) throw new AliyunFailure(400, 'InvalidVersion', `Specified parameter Version is not valid: ${signed.version}`);
      if (signed.action === 'QuerySendDetails') {
        seen.phone = signed.params.get('PhoneNumber');
        answer(res, 200, { Code: 'OK', Message: 'OK', RequestId: requestId, ...querySendDetails(messages, signed.params) });
        return;
      }
      let accepted: AcceptedSms[];
      if (signed.action === 'SendSms') accepted = sendSms(opts, signed.params);
      else if (signed.action === 'SendBatchSms') accepted = sendBatchSms(opts, signed.params);
      else throw new AliyunFailure(404, 'InvalidAction.NotFound', `Specified api is not found: ${signed.action}`);
      messages.push(...accepted);
      if (holds > 0) {
        // Taken and recorded; the caller hears nothing until the test releases it.
        holds--;
        await new Promise<void>((release) => {
          const entry = { messages: accepted, release, seen: false };
          held.push(entry);
          waiting.shift()?.(entry);
        });
        if (res.destroyed) return;
      }
      answer(res, 200, { Code: 'OK', Message: 'OK', BizId: accepted[0].bizId, RequestId: requestId });
    } catch (err) {
      const e = err instanceof AliyunFailure ? err : new AliyunFailure(500, 'InternalError', 'The request processing has failed due to some unknown error.');
      seen.status = e.status;
      seen.code = e.code;
      answer(res, e.status, { Code: e.code, Message: e.message, RequestId: requestId });
    }
  };

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `127.0.0.1:${port}`,
    messages,
    requests,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    delayNext(count, ms) {
      for (let i = 0; i < count; i++) delays.push(ms);
    },
    holdNext(count) {
      holds += count;
    },
    nextHeld() {
      return new Promise((resolve) => {
        const take = (entry: { messages: AcceptedSms[]; seen: boolean }) => {
          entry.seen = true;
          resolve(entry.messages);
        };
        const unseen = held.find((h) => !h.seen);
        if (unseen) take(unseen);
        else waiting.push(take);
      });
    },
    releaseHeld,
    close() {
      releaseHeld();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK's HTTP agent keeps connections alive; drop them so close() returns.
        server.closeAllConnections();
      });
    },
  };
}
