import { z } from 'zod';
import { route, text, id, phone, idParams, pageQuery, pageOf, okResponse } from './route';
import { taskView } from './cases';

const OPS = ['system_admin'] as const;
export const REMINDER_KINDS = ['new_task', 'due_soon', 'overdue', 'escalation', 'digest', 'test', 'account'] as const;
export const REMINDER_KIND_LABELS: Record<(typeof REMINDER_KINDS)[number], string> = {
  new_task: '新待办', due_soon: '即将到期', overdue: '已逾期', escalation: '逾期督办（负责人）', digest: '汇总', test: '测试', account: '账号通知',
};
const STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled', 'digested'] as const;
const CHOOSABLE = ['new_task', 'due_soon', 'overdue', 'escalation'] as const;

export const reminderView = z.object({
  id: z.number().int(), kind: z.enum(REMINDER_KINDS), channel: z.enum(['sms', 'inapp']), status: z.enum(STATUSES),
  phoneMasked: z.string().nullable(), text: z.string(), attempts: z.number().int(), nextAttemptAt: z.string(),
  providerId: z.string().nullable(), lastCode: z.string().nullable(), lastError: z.string().nullable(), sentAt: z.string().nullable(),
  createdAt: z.string(),
  log: z.array(z.object({ event: z.string(), code: z.string().nullable(), detail: z.string().nullable(), providerId: z.string().nullable(), at: z.string() })),
});

const preferences = z.strictObject(Object.fromEntries(CHOOSABLE.map((k) => [k, z.boolean().describe(`${REMINDER_KIND_LABELS[k]}短信`).optional()])) as Record<(typeof CHOOSABLE)[number], z.ZodOptional<z.ZodBoolean>>);

export const JOB_STATES = ['ok', 'waiting', 'failing', 'stale'] as const;
/** One background job as /health and the console show it (the last error only to admins). */
export const jobView = z.object({
  job: z.string(), label: z.string().describe('任务'),
  state: z.enum(JOB_STATES).describe('ok 正常；waiting 本实例启动后尚未完成首次；failing 最近一次失败；stale 超时未完成'),
  lastPassAt: z.string().nullable(), lastSuccessAt: z.string().nullable(), lastFailureAt: z.string().nullable(),
  failuresInRow: z.number().int(), durationMs: z.number().int().nullable(), counts: z.record(z.string(), z.number()),
  instance: z.string().nullable(), staleAfterSeconds: z.number().int(), lastError: z.string().nullable().optional(),
});
export const jobsView = z.object({
  ok: z.boolean(), alerts: z.array(z.string()).describe('告警（中文，显示在管理后台顶部）'), jobs: z.array(jobView),
});

export const remindersApi = {
  outbox: route({
    method: 'get', path: '/reminders/outbox', tag: '提醒', summary: '发送队列状态与明细（号码脱敏）', auth: OPS,
    query: z.strictObject({ ...pageQuery, status: z.enum(STATUSES).describe('状态').optional() }),
    response: pageOf(reminderView).extend({ counts: z.record(z.string(), z.number().int()) }),
  }),
  resend: route({
    method: 'post', path: '/reminders/:id/resend', tag: '提醒', summary: '重新发送失败的短信', auth: OPS,
    params: idParams, response: okResponse,
  }),
  testSms: route({
    method: 'post', path: '/reminders/test-sms', tag: '提醒', summary: '向指定号码发送测试短信', auth: OPS,
    body: z.strictObject({ phone: phone() }), response: reminderView,
  }),
  myPreferences: route({
    method: 'get', path: '/me/sms-preferences', tag: '提醒', summary: '本人各类提醒是否接收短信（站内提醒始终开启）', auth: 'any',
    response: z.record(z.string(), z.boolean()),
  }),
  setMyPreferences: route({
    method: 'put', path: '/me/sms-preferences', tag: '提醒', summary: '设置本人各类提醒是否接收短信', auth: 'any',
    body: preferences, response: z.record(z.string(), z.boolean()),
  }),
  jobs: route({
    method: 'get', path: '/platform/jobs', tag: '提醒', summary: '后台任务（提醒扫描、短信发送）的状态与告警',
    auth: ['system_admin', 'security_admin'], response: jobsView,
  }),
  overdueSupervision: route({
    method: 'get', path: '/supervision/overdue', tag: '提醒', summary: '检察院监督视图：本院备案案件中逾期未办的待办', auth: ['procurator'],
    query: z.strictObject({ ...pageQuery, orgId: id('办理单位').optional(), q: text('关键字', 64).optional() }),
    response: pageOf(taskView),
  }),
};
