import { z } from 'zod';
import { route, text, optText, id, date, okResponse, wholeNumber } from './route';
import { DEADLINE_RULES } from '../process';

const RULE_KEYS = DEADLINE_RULES.map((r) => r.key) as [string, ...string[]];
const ADMINS = ['system_admin'] as const;
const unitSchema = z.enum(['hours', 'days', 'working_days', 'months']);

export const extensionSchema = z.strictObject({
  key: z.string().regex(/^[a-z_]{2,32}$/, { message: '应为 2–32 位小写字母或下划线' }).describe('延长类型编码'),
  label: text('延长类型名称', 100),
  totalAmount: z.number().int().min(1).max(3650).describe('延长后的总期限'),
  unit: unitSchema.describe('期限单位'),
  approverRole: z.enum(['police_head', 'agency_head', 'procurator']).describe('审批角色'),
  basis: text('法律依据', 1000).refine((s) => s.length >= 6, { message: '须写明法律依据' }),
  after: z.string().max(32).describe('须先批准的延长类型').optional(),
});

export const ruleView = z.object({
  key: z.string(), version: z.number().int(), label: z.string(), amount: z.number().int(), unit: unitSchema,
  rolloverOnRestDay: z.boolean(), basis: z.string(), unverified: z.boolean(), createdAt: z.string(),
  extensions: z.array(z.object({ key: z.string(), label: z.string(), totalAmount: z.number(), unit: unitSchema, approverRole: z.string(), basis: z.string(), after: z.string().optional() })),
});

export const overrideView = z.object({ id: z.number().int(), day: z.string(), kind: z.enum(['workday', 'holiday']), name: z.string() });

export const deadlinesApi = {
  rules: route({
    method: 'get', path: '/deadline-rules', tag: '期限规则', summary: '各期限规则的现行版本（含法律依据）', auth: 'any',
    response: z.array(ruleView),
  }),
  ruleVersions: route({
    method: 'get', path: '/deadline-rules/:key', tag: '期限规则', summary: '某期限规则的全部版本', auth: 'any',
    params: z.strictObject({ key: z.enum(RULE_KEYS).describe('规则编码') }), response: z.array(ruleView),
  }),
  publishRule: route({
    method: 'post', path: '/deadline-rules/:key', tag: '期限规则',
    summary: '发布新版本（必须写明法律依据；进行中的期限仍按原版本计算）', auth: ADMINS,
    params: z.strictObject({ key: z.enum(RULE_KEYS).describe('规则编码') }),
    body: z.strictObject({
      label: optText('名称', 100),
      amount: z.number().int().min(1).max(3650).describe('期限'),
      unit: unitSchema.describe('期限单位'),
      rolloverOnRestDay: z.boolean().describe('末日为节假日时顺延'),
      basis: text('法律依据', 1000).refine((s) => s.length >= 6, { message: '须写明法律依据（法规名称与条款）' }),
      unverified: z.boolean().describe('未经原文核实').optional(),
      extensions: z.array(extensionSchema).max(10).describe('延长规则').optional(),
    }),
    response: ruleView,
  }),
  overrides: route({
    method: 'get', path: '/calendar/overrides', tag: '期限规则', summary: '节假日调整（管理员维护）', auth: 'any',
    query: z.strictObject({ year: wholeNumber('年份', 2000, 2100).optional() }),
    response: z.object({ coveredThroughYear: z.number().int(), extraCoveredYears: z.array(z.number().int()), items: z.array(overrideView) }),
  }),
  addOverride: route({
    method: 'post', path: '/calendar/overrides', tag: '期限规则', summary: '新增节假日或调休工作日', auth: ADMINS,
    body: z.strictObject({ day: date('日期'), kind: z.enum(['workday', 'holiday']).describe('类型'), name: text('名称', 64) }),
    response: overrideView,
  }),
  removeOverride: route({
    method: 'delete', path: '/calendar/overrides/:id', tag: '期限规则', summary: '删除节假日调整', auth: ADMINS,
    params: z.strictObject({ id: id('编号') }), response: okResponse,
  }),
  coverYear: route({
    method: 'put', path: '/calendar/years/:id', tag: '期限规则',
    summary: '确认某年的节假日安排已完整录入（此后该年的期限不再标记为待核）', auth: ADMINS,
    params: z.strictObject({ id: wholeNumber('年份', 2000, 2100) }),
    body: z.strictObject({ note: text('说明', 200) }),
    response: okResponse,
  }),
};
