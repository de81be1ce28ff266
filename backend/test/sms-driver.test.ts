import { createHash, randomUUID } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { stringify } from 'querystring';
import { inspect } from 'util';
import { OpenApiUtil } from '@alicloud/openapi-core';
import {
  AliyunSmsDriver, ConsoleSmsDriver, SMS_BATCH_MAX, SMS_LOCAL_CODES, isRetryableSmsCode,
  type AliyunSmsOptions, type SmsBatchItem, type SmsResult,
} from '../src/modules/reminders/sms';
import { startFakeSms, type FakeSms } from './support-sms-server';

/**
 * The SMS drivers on their own (no app): the Aliyun driver runs the real SDK against a local
 * stand-in for dysmsapi that checks every ACS3 signature and every parameter.
 */
const KEY_ID = 'LTAI5tSmsTestKey';
const SECRET = 'sms-test-secret-0123456789abcdef';
const SIGN = '两法衔接平台';
const TEMPLATES = {
  SMS_NEW_TASK: '您有新的案件办理任务：${caseNo}，请于${deadline}前处理。',
  SMS_DUE_SOON: '案件办理提醒：${caseNo}将于${deadline}到期，承办人${name}。',
};

let sms: FakeSms;

beforeAll(async () => {
  sms = await startFakeSms({ accessKeyId: KEY_ID, accessKeySecret: SECRET, signNames: [SIGN, '其他单位'], templates: TEMPLATES });
});
afterAll(async () => {
  await sms.close();
});

function driver(overrides: Partial<AliyunSmsOptions> = {}): AliyunSmsDriver {
  return new AliyunSmsDriver({
    accessKeyId: KEY_ID, accessKeySecret: SECRET, signName: SIGN, endpoint: sms.endpoint, protocol: 'http', timeoutMs: 3000, ...overrides,
  });
}

function render(code: keyof typeof TEMPLATES, params: Record<string, string>): string {
  return TEMPLATES[code].replace(/\$\{(\w+)\}/g, (_m, k: string) => params[k]);
}

function message(phone: string, params: Record<string, string>, code: keyof typeof TEMPLATES = 'SMS_NEW_TASK') {
  return { phone, templateCode: code, params, text: render(code, params) };
}

const PARAMS = { caseNo: '（2025）深福市监移字第7号 A&B=C+D!*', deadline: '3月5日 17:00' };

/** Today in Beijing time, the day Aliyun files a message under. */
const beijingDay = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/** No result may carry a full number or the secret. */
function expectClean(result: SmsResult, ...phones: string[]): void {
  for (const phone of phones) expect(result.message).not.toContain(phone);
  expect(result.message).not.toContain(SECRET);
}

describe('AliyunSmsDriver against the fake dysmsapi', () => {
  test('a send is signed, checked and accepted; the BizId comes back', async () => {
    const before = sms.requests.length;
    const msg = message('13800138000', PARAMS);
    const result = await driver().send(msg);
    expect(result).toMatchObject({ ok: true, code: 'OK', retryable: false });
    expect(result.providerId).toMatch(/^\d{17}\^0$/);
    expect(sms.requests.slice(before)).toEqual([{ action: 'SendSms', status: 200, code: 'OK' }]);
    expect(sms.messages.at(-1)).toEqual({
      action: 'SendSms', phone: '13800138000', signName: SIGN, templateCode: 'SMS_NEW_TASK', params: PARAMS, text: msg.text, bizId: result.providerId,
      outId: null, at: expect.any(Date),
    });
  });

  test('a batch of 3 numbers with different parameters is one signed SendBatchSms', async () => {
    const items: SmsBatchItem[] = [
      { phone: '13900000001', params: { caseNo: 'A-1', deadline: '今天', name: '张三' } },
      { phone: '13900000002', params: { caseNo: 'B-2', deadline: '明天', name: '李四' } },
      { phone: '8613900000003', params: { caseNo: 'C-3', deadline: '后天', name: '王五' } },
    ].map((i) => ({ ...i, text: render('SMS_DUE_SOON', i.params) }));
    const before = sms.messages.length;
    const result = await driver().sendBatch('SMS_DUE_SOON', items);
    expect(result).toMatchObject({ ok: true, code: 'OK', retryable: false });
    const got = sms.messages.slice(before);
    expect(got.map((m) => [m.action, m.phone, m.signName, m.templateCode, m.params, m.text, m.bizId])).toEqual(
      items.map((i) => ['SendBatchSms', i.phone, SIGN, 'SMS_DUE_SOON', i.params, i.text, result.providerId]),
    );
  });

  test('a wrong secret is refused by the server: a configuration problem, not retried', async () => {
    const before = sms.messages.length;
    const result = await driver({ accessKeySecret: 'not-the-secret' }).send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch', retryable: false, providerId: null });
    expect(sms.requests.at(-1)).toEqual({ action: 'SendSms', status: 400, code: 'SignatureDoesNotMatch' });
    expect(sms.messages.length).toBe(before);
    expect(result.message).toMatch(/^请求签名不匹配.*SignatureDoesNotMatch.*Specified signature does not match/);
    // The server echoes its string to sign and canonical request (with the number); none of it is passed on.
    expect(result.message).not.toContain('canonical request');
    expectClean(result, '13800138000');
    expect(result.message).not.toContain('not-the-secret');
  });

  test('an unknown AccessKey ID is refused and not retried', async () => {
    const result = await driver({ accessKeyId: 'LTAI5tSomeoneElse' }).send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: 'InvalidAccessKeyId.NotFound', retryable: false });
  });

  test('HTTP 500 is retryable, and the SDK itself made exactly one attempt', async () => {
    const before = sms.requests.length;
    sms.failNext(1, { status: 500, code: 'InternalError', message: 'The request processing has failed due to some unknown error.' });
    const result = await driver().send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: 'InternalError', retryable: true });
    expect(result.message).toContain('HTTP 500');
    expect(sms.requests.length - before).toBe(1);
    // The next attempt goes through.
    expect((await driver().send(message('13800138000', PARAMS))).ok).toBe(true);
  });

  test('an HTML error page from a proxy is retryable', async () => {
    sms.failNext(1, { status: 502, code: 'BadGateway', html: true });
    const result = await driver().send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: SMS_LOCAL_CODES.BAD_RESPONSE, retryable: true });
  });

  test.each([
    ['isp.SYSTEM_ERROR', 200, true],
    ['isv.BUSINESS_LIMIT_CONTROL', 200, true],
    ['isv.DAY_LIMIT_CONTROL', 200, true],
    ['Throttling.User', 400, true],
    ['ServiceUnavailable', 503, true],
    ['isv.MOBILE_NUMBER_ILLEGAL', 200, false],
    ['isv.BLACK_KEY_CONTROL_LIMIT', 200, false],
    ['isv.DENY_IP_RANGE', 200, false],
    ['isv.AMOUNT_NOT_ENOUGH', 200, false],
    ['isv.SOMETHING_NEW', 200, false],
  ])('%s (HTTP %i) → retryable %s', async (code, status, retryable) => {
    sms.failNext(1, { code, status, message: `触发限制：号码 13800138000` });
    const result = await driver().send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code, retryable, providerId: null });
    expect(result.message).toContain('号码 138****8000');
    expectClean(result, '13800138000');
  });

  test('the server\'s own checks come back as permanent refusals', async () => {
    const d = driver();
    // Ten digits: passes the local shape check, refused by the provider.
    expect(await d.send(message('1380013800', PARAMS))).toMatchObject({ ok: false, code: 'isv.MOBILE_NUMBER_ILLEGAL', retryable: false });
    expect(await d.send({ ...message('13800138000', PARAMS), templateCode: 'SMS_UNKNOWN' })).toMatchObject({ code: 'isv.SMS_TEMPLATE_ILLEGAL', retryable: false });
    expect(await d.send(message('13800138000', { caseNo: 'X' }))).toMatchObject({ code: 'isv.TEMPLATE_MISSING_PARAMETERS', retryable: false });
    expect(await driver({ signName: '未报备签名' }).send(message('13800138000', PARAMS))).toMatchObject({ code: 'isv.SMS_SIGNATURE_ILLEGAL', retryable: false });
  });

  test('a timeout is retryable, though the message may have gone out', async () => {
    const before = sms.messages.length;
    sms.delayNext(1, 800);
    const result = await driver({ timeoutMs: 200 }).send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: SMS_LOCAL_CODES.TIMEOUT, retryable: true });
    expectClean(result, '13800138000');
    // The provider still took it: why the outbox must de-duplicate before retrying.
    for (let i = 0; i < 40 && sms.messages.length === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sms.messages.length).toBe(before + 1);
  });

  test('a refused connection is a retryable network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const result = await driver({ endpoint: `127.0.0.1:${port}` }).send(message('13800138000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: SMS_LOCAL_CODES.NETWORK_ERROR, retryable: true });
    expectClean(result, '13800138000');
  });

  test('101 batch items (and 0) are refused before any request', async () => {
    const before = sms.requests.length;
    const items = Array.from({ length: SMS_BATCH_MAX + 1 }, (_, i) => ({ phone: `139${String(i).padStart(8, '0')}`, params: PARAMS, text: 'x' }));
    await expect(driver().sendBatch('SMS_NEW_TASK', items)).rejects.toThrow(/最多 100 条/);
    await expect(driver().sendBatch('SMS_NEW_TASK', [])).rejects.toThrow(RangeError);
    expect(sms.requests.length).toBe(before);
  });

  test('a number that would change the request (a comma) is refused locally', async () => {
    const before = sms.requests.length;
    const result = await driver().send(message('13800138000,13900139000', PARAMS));
    expect(result).toMatchObject({ ok: false, code: SMS_LOCAL_CODES.INVALID_PHONE, retryable: false });
    expectClean(result, '13800138000', '13900139000');
    const batch = await driver().sendBatch('SMS_NEW_TASK', [message('13800138000', PARAMS), message(' 139 0013 9000', PARAMS)]);
    expect(batch).toMatchObject({ ok: false, code: SMS_LOCAL_CODES.INVALID_PHONE });
    expect(batch.message).toContain('第 2 条');
    expectClean(batch, '13900139000', '139 0013 9000');
    expect(sms.requests.length).toBe(before);
  });

  test('the constructor checks the sign name, the keys and the endpoint', () => {
    expect(() => driver({ signName: '【两法衔接】' })).toThrow(/【】/);
    expect(() => driver({ signName: '两' })).toThrow(/2–12/);
    expect(() => driver({ signName: '一二三四五六七八九十一二三' })).toThrow(/2–12/);
    expect(() => driver({ signName: ' 两法衔接' })).toThrow(/空格/);
    expect(driver({ signName: '两法' }).signName).toBe('两法');
    expect(driver({ signName: '一二三四五六七八九十一二' }).signName).toHaveLength(12);
    expect(() => driver({ accessKeySecret: '' })).toThrow(/AccessKey/);
    expect(() => driver({ endpoint: 'dysmsapi.aliyuncs.com/path' })).toThrow(/短信服务地址/);
    expect(() => driver({ endpoint: 'https://dysmsapi.aliyuncs.com', protocol: 'http' })).toThrow(/不一致/);
    const fromUrl = driver({ endpoint: `http://${sms.endpoint}`, protocol: undefined });
    expect([fromUrl.endpoint, fromUrl.protocol]).toEqual([sms.endpoint, 'http']);
    const real = new AliyunSmsDriver({ accessKeyId: KEY_ID, accessKeySecret: SECRET, signName: SIGN });
    expect([real.endpoint, real.protocol]).toEqual(['dysmsapi.aliyuncs.com', 'https']);
  });

  test('the OutId goes with SendSms and SendBatchSms, and QuerySendDetails finds it (or says it is not there)', async () => {
    const d = driver();
    const single = await d.send({ ...message('13800138111', PARAMS), outId: 'lfxj-out-single' });
    expect(single.ok).toBe(true);
    const items = ['13900138001', '13900138002'].map((phone) => ({ phone, params: { caseNo: 'D-1', deadline: '今天', name: '赵六' }, text: 'x' }));
    const batch = await d.sendBatch('SMS_DUE_SOON', items, 'lfxj-out-batch');
    expect(batch.ok).toBe(true);
    expect(sms.messages.filter((m) => m.outId === 'lfxj-out-single').map((m) => m.phone)).toEqual(['13800138111']);
    expect(sms.messages.filter((m) => m.outId === 'lfxj-out-batch').map((m) => [m.phone, m.bizId])).toEqual(items.map((i) => [i.phone, batch.providerId]));

    const today = beijingDay();
    const before = sms.requests.length;
    const found = await d.query({ phone: '13900138002', outId: 'lfxj-out-batch', days: [today] });
    expect(found).toMatchObject({ state: 'sent', providerId: null });
    if (found.state === 'sent') {
      expect(found.detail).toContain('发送成功');
      expect(Math.abs(found.at!.getTime() - Date.now())).toBeLessThan(5_000);
    }
    expect(sms.requests.slice(before)).toEqual([{ action: 'QuerySendDetails', status: 200, code: 'OK', phone: '13900138002' }]);
    // The same OutId to another number, or another OutId to this number: not there.
    expect(await d.query({ phone: '13800138111', outId: 'lfxj-out-batch', days: [today] })).toEqual({ state: 'not_sent' });
    expect(await d.query({ phone: '13900138002', outId: 'lfxj-out-other', days: [today] })).toEqual({ state: 'not_sent' });
  });

  test('QuerySendDetails pages through a busy number (50 a page) until it finds the OutId', async () => {
    const d = driver();
    for (let i = 0; i < 55; i++) expect((await d.send({ ...message('13700137000', PARAMS), outId: `busy-${i}` })).ok).toBe(true);
    const before = sms.requests.length;
    expect(await d.query({ phone: '13700137000', outId: 'busy-53', days: [beijingDay()] })).toMatchObject({ state: 'sent' });
    expect(sms.requests.slice(before).map((r) => r.action)).toEqual(['QuerySendDetails', 'QuerySendDetails']);
    const again = sms.requests.length;
    expect(await d.query({ phone: '13700137000', outId: 'busy-99', days: [beijingDay()] })).toEqual({ state: 'not_sent' });
    expect(sms.requests.length - again).toBe(2);
  });

  test('a failed query is "unknown", never "not sent"', async () => {
    sms.failNext(1, { code: 'isp.SYSTEM_ERROR', action: 'QuerySendDetails' });
    const result = await driver().query({ phone: '13800138111', outId: 'lfxj-out-single', days: [beijingDay()] });
    expect(result).toMatchObject({ state: 'unknown', final: false, code: 'isp.SYSTEM_ERROR' });
    sms.delayNext(1, 800);
    expect(await driver({ timeoutMs: 200 }).query({ phone: '13800138111', outId: 'lfxj-out-single', days: [beijingDay()] }))
      .toMatchObject({ state: 'unknown', final: false, code: SMS_LOCAL_CODES.TIMEOUT });
    expect(await driver({ accessKeySecret: 'not-the-secret' }).query({ phone: '13800138111', outId: 'lfxj-out-single', days: [beijingDay()] }))
      .toMatchObject({ state: 'unknown', code: 'SignatureDoesNotMatch' });
  });

  test('a timeout or a reset connection leaves the outcome open; a refused connection does not', async () => {
    sms.delayNext(1, 800);
    expect(await driver({ timeoutMs: 200 }).send(message('13800138000', PARAMS))).toMatchObject({ ok: false, uncertain: true });
    sms.failNext(1, { status: 502, code: 'BadGateway', html: true });
    expect(await driver().send(message('13800138000', PARAMS))).toMatchObject({ ok: false, uncertain: true });
    sms.failNext(1, { code: 'isp.SYSTEM_ERROR' });
    expect((await driver().send(message('13800138000', PARAMS))).uncertain).toBeFalsy();
  });

  test('the secret does not show when the driver is logged', () => {
    expect(inspect(driver(), { depth: 10 })).not.toContain(SECRET);
    expect(JSON.stringify(driver())).not.toContain(SECRET);
  });
});

describe('the fake dysmsapi verifies signatures for real', () => {
  /** A SendSms request signed with the SDK's own signing function, sent with fetch. */
  async function signedSend(secret: string, nonce: string, tamper?: (q: Record<string, string>) => void): Promise<{ status: number; body: { Code: string } }> {
    const query: Record<string, string> = { PhoneNumbers: '13800138000', SignName: SIGN, TemplateCode: 'SMS_NEW_TASK', TemplateParam: JSON.stringify(PARAMS) };
    const payloadHash = createHash('sha256').update('').digest('hex');
    const headers: Record<string, string> = {
      host: sms.endpoint, 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25', 'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': nonce, 'x-acs-content-sha256': payloadHash,
    };
    // getAuthorization only reads these fields of the SDK's Request.
    const request = { method: 'POST', pathname: '/', query, headers } as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0];
    const authorization = OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', payloadHash, KEY_ID, secret);
    tamper?.(query);
    const res = await fetch(`http://${sms.endpoint}/?${stringify(query)}`, { method: 'POST', headers: { ...headers, authorization } });
    return { status: res.status, body: (await res.json()) as { Code: string } };
  }

  test('a correctly signed request passes; a changed parameter, a wrong key or a replayed nonce does not', async () => {
    const nonce = randomUUID();
    expect(await signedSend(SECRET, nonce)).toMatchObject({ status: 200, body: { Code: 'OK' } });
    expect(await signedSend(SECRET, nonce)).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
    expect(await signedSend(SECRET, randomUUID(), (q) => { q.PhoneNumbers = '13900139000'; })).toMatchObject({ status: 400, body: { Code: 'SignatureDoesNotMatch' } });
    expect(await signedSend('another-secret', randomUUID())).toMatchObject({ status: 400, body: { Code: 'SignatureDoesNotMatch' } });
  });

  test('an unsigned request is refused as an incomplete signature', async () => {
    const res = await fetch(`http://${sms.endpoint}/?PhoneNumbers=13800138000`, { method: 'POST', headers: { 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Code: string }).Code).toBe('IncompleteSignature');
  });
});

describe('the fake dysmsapi answers QuerySendDetails as Aliyun does', () => {
  /** A signed request straight to the stand-in, built with the SDK's own signing function. */
  async function signed(action: string, query: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const payloadHash = createHash('sha256').update('').digest('hex');
    const headers: Record<string, string> = {
      host: sms.endpoint, 'x-acs-action': action, 'x-acs-version': '2017-05-25', 'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomUUID(), 'x-acs-content-sha256': payloadHash,
    };
    const request = { method: 'POST', pathname: '/', query, headers } as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0];
    const authorization = OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', payloadHash, KEY_ID, SECRET);
    const res = await fetch(`http://${sms.endpoint}/?${stringify(query)}`, { method: 'POST', headers: { ...headers, authorization } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const day = () => beijingDay().replace(/-/g, '');

  test('records per number and day with OutId and no BizId; paging and the required parameters are checked', async () => {
    await driver().send({ ...message('13600136000', PARAMS), outId: 'raw-1' });
    const ok = await signed('QuerySendDetails', { PhoneNumber: '13600136000', SendDate: day(), PageSize: '10', CurrentPage: '1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ Code: 'OK', TotalCount: '1' });
    const [record] = (ok.body.SmsSendDetailDTOs as { SmsSendDetailDTO: Array<Record<string, unknown>> }).SmsSendDetailDTO;
    expect(record).toMatchObject({ PhoneNum: '13600136000', OutId: 'raw-1', SendStatus: 3, TemplateCode: 'SMS_NEW_TASK', Content: `【${SIGN}】${message('13600136000', PARAMS).text}` });
    expect(record.SendDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(record).not.toHaveProperty('BizId');
    const page2 = await signed('QuerySendDetails', { PhoneNumber: '13600136000', SendDate: day(), PageSize: '10', CurrentPage: '2' });
    expect(page2.body).toMatchObject({ Code: 'OK', TotalCount: '1', SmsSendDetailDTOs: { SmsSendDetailDTO: [] } });
    expect((await signed('QuerySendDetails', { PhoneNumber: '13600136000', SendDate: day(), PageSize: '51', CurrentPage: '1' })).body.Code).toBe('isv.INVALID_PARAMETERS');
    expect((await signed('QuerySendDetails', { PhoneNumber: '13600136000', SendDate: '20200101', PageSize: '10', CurrentPage: '1' })).body.Code).toBe('isv.INVALID_PARAMETERS');
    expect(await signed('QuerySendDetails', { PhoneNumber: '13600136000', PageSize: '10', CurrentPage: '1' })).toMatchObject({ status: 400, body: { Code: 'MissingSendDate' } });
    expect((await signed('QuerySendDetails', { PhoneNumber: '13600136000,13600136001', SendDate: day(), PageSize: '10', CurrentPage: '1' })).body.Code).toBe('isv.INVALID_PARAMETERS');
  });
});

describe('isRetryableSmsCode', () => {
  test('unknown codes: provider side, throttling and 5xx are retryable; the rest is not', () => {
    expect(isRetryableSmsCode('isp.SOMETHING')).toBe(true);
    expect(isRetryableSmsCode('Throttling.Api', 400)).toBe(true);
    expect(isRetryableSmsCode('HTTP_502', 502)).toBe(true);
    expect(isRetryableSmsCode('isp.RAM_PERMISSION_DENY')).toBe(false);
    expect(isRetryableSmsCode('isv.WHATEVER')).toBe(false);
    expect(isRetryableSmsCode('Forbidden.Something', 403)).toBe(false);
  });
});

describe('ConsoleSmsDriver', () => {
  test('prints one line per message with the number masked and keeps the last 200', async () => {
    const lines: string[] = [];
    const d = new ConsoleSmsDriver((line) => lines.push(line));
    const msg = message('13800000000', PARAMS);
    const result = await d.send(msg);
    expect(result).toMatchObject({ ok: true, code: 'OK', retryable: false });
    expect(result.providerId).toMatch(/^console-[0-9a-f-]{36}$/);
    expect(lines).toEqual([`[短信] 138****0000 SMS_NEW_TASK：${msg.text}`]);
    expect(lines.join('\n')).not.toContain('13800000000');
    expect(d.sent[0]).toMatchObject({ phone: '13800000000', templateCode: 'SMS_NEW_TASK', params: PARAMS, text: msg.text, providerId: result.providerId });

    const batch = await d.sendBatch('SMS_NEW_TASK', [message('13900000001', PARAMS), message('13900000002', PARAMS)]);
    expect(batch.ok).toBe(true);
    expect(lines.slice(1).map((l) => l.slice(0, 16))).toEqual(['[短信] 139****0001', '[短信] 139****0002']);
    await expect(d.sendBatch('SMS_NEW_TASK', Array.from({ length: 101 }, () => message('13900000001', PARAMS)))).rejects.toThrow(RangeError);

    for (let i = 0; i < 250; i++) await d.send(message(`137${String(i).padStart(8, '0')}`, PARAMS));
    expect(d.sent).toHaveLength(200);
    expect(d.sent.at(-1)?.phone).toBe('13700000249');
    expect(d.sent[0].phone).toBe('13700000050');
  });
});
