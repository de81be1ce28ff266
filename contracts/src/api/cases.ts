import { z } from 'zod';
import { route, text, optText, id, bodyId, date, idParams, pageQuery, pageOf, okResponse, wholeNumber } from './route';
import { STATES, TRANSITIONS, DOC_TYPES, URGE_KINDS, type StateKey, type TransitionKey, type DocType } from '../process';

const stateSchema = z.enum(Object.keys(STATES) as [StateKey, ...StateKey[]]);
const transitionSchema = z.enum(Object.keys(TRANSITIONS) as [TransitionKey, ...TransitionKey[]]);
export const docTypeSchema = z.enum(Object.keys(DOC_TYPES) as [DocType, ...DocType[]]);

/** The latest entries a case detail carries; earlier ones are read page by page. */
export const TIMELINE_PAGE = 50;
/** A search counts matches up to this many; past it the total is a lower bound ("1000+"). */
export const SEARCH_COUNT_LIMIT = 1000;

const CASE_WORKERS = ['agency_officer', 'agency_head', 'police_officer', 'police_head', 'procurator', 'supervisory_officer'] as const;
const AGENCY = ['agency_officer', 'agency_head'] as const;

export const partyInput = z.strictObject({
  kind: z.enum(['person', 'company']).describe('当事人类型'),
  name: text('当事人名称', 100),
  idNumber: z.string().trim().regex(/^[0-9A-Za-z]{6,32}$/, { message: '应为 6–32 位字母或数字' }).describe('证件号码').optional(),
});

export const orgRef = z.object({ id: z.number().int(), name: z.string() }).nullable();

export const caseSummary = z.object({
  id: z.number().int(), platformNo: z.string(), agencyCaseNo: z.string(), title: z.string(), state: stateSchema,
  stateLabel: z.string(), kind: z.enum(['transfer', 'penalty_only']),
  agency: orgRef, police: orgRef, procuratorate: orgRef,
  suspectedOffence: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(), version: z.number().int(),
  overdue: z.boolean().describe('有逾期未办的待办'),
});

export const taskView = z.object({
  id: z.number().int(), caseId: z.number().int(), platformNo: z.string(), caseTitle: z.string(), orgId: z.number().int(),
  state: stateSchema, title: z.string(), startedAt: z.string(), dueAt: z.string().nullable(),
  assignee: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  dueFlagged: z.boolean(), flagReason: z.string().nullable(), ruleKey: z.string().nullable(), ruleVersion: z.number().int().nullable(),
  basis: z.string().nullable(), status: z.enum(['open', 'done', 'cancelled']), overdue: z.boolean(),
  extensions: z.array(z.object({ key: z.string(), label: z.string(), approvedBy: z.string(), reason: z.string(), at: z.string() })),
});

export const documentView = z.object({
  id: z.number().int(), caseId: z.number().int(), eventId: z.number().int().nullable(), docType: docTypeSchema,
  fileName: z.string(), mime: z.string(), size: z.number().int(), sha256: z.string(), version: z.number().int(),
  replacesId: z.number().int().nullable(), current: z.boolean(), uploadedAt: z.string(), uploadedByOrg: z.string(),
});

export const eventView = z.object({
  id: z.number().int(), seq: z.number().int(), transition: z.string(), label: z.string(),
  fromState: stateSchema.nullable(), toState: stateSchema, actorName: z.string(), actorOrg: z.string(),
  reason: z.string().nullable(), details: z.record(z.string(), z.unknown()), at: z.string(),
  documents: z.array(documentView),
});

export const filingView = z.object({
  id: z.number().int(), caseId: z.number().int(), eventId: z.number().int().describe('备案所属的移送步骤'), procuratorate: orgRef, filedAt: z.string(),
  materials: z.array(z.object({ documentId: z.number().int(), docType: docTypeSchema, fileName: z.string() })),
  signedAt: z.string().nullable(), signedBy: z.string().nullable(),
});

export const caseDetail = caseSummary.extend({
  facts: z.string().nullable(), amountInvolved: z.string().nullable(), penaltyInfo: z.string().nullable(),
  parties: z.array(z.object({ kind: z.enum(['person', 'company']), name: z.string(), idNumberMasked: z.string().nullable() })),
  regulationIds: z.array(z.number().int()),
  timeline: z.array(eventView).describe(`时间线：最近 ${TIMELINE_PAGE} 条，按先后；更早的记录用 GET /cases/{id}/events?before= 分页读取`),
  timelineHasMore: z.boolean().describe('还有更早的时间线记录'),
  tasks: z.array(taskView),
  filing: filingView.nullable().describe('最近一次移送的备案'),
  filings: z.array(filingView).describe('每次移送各一份备案，按时间先后'),
  drafts: z.array(documentView).describe('本单位已上传、尚未随步骤提交的文书'),
  availableActions: z.array(z.object({ key: transitionSchema, label: z.string(), requires: z.array(z.object({ type: docTypeSchema, label: z.string() })) })),
});

export const notificationView = z.object({
  id: z.number().int(), caseId: z.number().int(), platformNo: z.string(), eventId: z.number().int().nullable(),
  title: z.string(), body: z.string(), createdAt: z.string(), read: z.boolean(),
});

export const casesApi = {
  create: route({
    method: 'post', path: '/cases', tag: '案件', summary: '登记案件（有案必录）', auth: AGENCY,
    body: z.strictObject({
      agencyCaseNo: text('执法机关案件编号', 64),
      title: text('案件名称', 200),
      suspectedOffence: optText('涉嫌罪名', 100),
      amountInvolved: z.string().regex(/^\d{1,16}(\.\d{1,2})?$/, { message: '应为金额，最多两位小数' }).describe('涉案金额（元）').optional(),
      facts: optText('案件事实', 20_000),
      penaltyInfo: optText('行政处罚情况', 5_000),
      parties: z.array(partyInput).max(50).describe('当事人').default([]),
      regulationIds: z.array(bodyId('法律依据')).max(50).describe('法律依据').default([]),
    }),
    response: caseDetail,
  }),
  list: route({
    method: 'get', path: '/cases', tag: '案件', summary: '案件检索（仅本单位为当事方的案件）', auth: CASE_WORKERS,
    query: z.strictObject({
      ...pageQuery,
      no: optText('平台编号或执法机关案件编号', 64),
      party: optText('当事人名称', 100),
      agencyId: id('移送机关').optional(),
      state: stateSchema.describe('状态').optional(),
      from: date('登记起始日期').optional(),
      to: date('登记截止日期').optional(),
      overdue: z.enum(['true', 'false']).describe('仅逾期').optional(),
      cursor: z.string().trim().regex(/^[A-Za-z0-9_-]{1,200}$/, { message: '不是有效的翻页位置' }).describe('翻页位置（上一页的 nextCursor；给出时忽略 page）').optional(),
    }),
    response: pageOf(caseSummary).extend({
      totalIsLowerBound: z.boolean().describe(`为 true 时 total 只是下限（超过 ${SEARCH_COUNT_LIMIT} 件不再精确计数）`),
      nextCursor: z.string().nullable().describe('下一页的翻页位置；null 表示没有下一页'),
    }),
  }),
  get: route({
    method: 'get', path: '/cases/:id', tag: '案件', summary: '案件详情与时间线（各方相同）', auth: CASE_WORKERS,
    params: idParams, response: caseDetail,
  }),
  events: route({
    method: 'get', path: '/cases/:id/events', tag: '案件', summary: '时间线分页：某一序号之前的记录（由近及远取，按先后返回）', auth: CASE_WORKERS,
    params: idParams,
    query: z.strictObject({
      before: id('序号（不含）').optional(),
      limit: wholeNumber('条数', 1, 100).default(TIMELINE_PAGE).describe('条数'),
    }),
    response: z.object({ items: z.array(eventView), hasMore: z.boolean().describe('还有更早的记录') }),
  }),
  act: route({
    method: 'post', path: '/cases/:id/actions', tag: '案件', summary: '执行流程操作（检查角色、单位、状态与版本）', auth: CASE_WORKERS,
    params: idParams,
    body: z.strictObject({
      transition: transitionSchema.describe('操作'),
      version: z.number().int().min(1).describe('案件版本号'),
      reason: optText('理由或说明', 5_000),
      policeOrgId: bodyId('接收的公安机关').optional(),
      urgeKind: z.enum(URGE_KINDS).describe('催办类型').optional(),
      documentIds: z.array(bodyId('文书')).max(100).describe('随附文书').default([]),
    }),
    response: caseDetail,
  }),
  extendTask: route({
    method: 'post', path: '/tasks/:id/extensions', tag: '待办', summary: '经批准延长期限（如经济犯罪案件）', auth: ['police_head', 'agency_head', 'procurator'],
    params: idParams,
    body: z.strictObject({ extension: text('延长类型', 64), reason: text('理由', 2_000) }),
    response: taskView,
  }),
  assignTask: route({
    method: 'post', path: '/tasks/:id/assignee', tag: '待办', summary: '把待办交给本单位的一名承办人（提醒随之发给本人）', auth: CASE_WORKERS,
    params: idParams,
    body: z.strictObject({ userId: bodyId('承办人').nullable().describe('承办人（null 表示交回单位）') }),
    response: taskView,
  }),
  inbox: route({
    method: 'get', path: '/tasks', tag: '待办', summary: '本单位待办（最紧急在前）', auth: CASE_WORKERS,
    query: z.strictObject({ ...pageQuery, status: z.enum(['open', 'done']).describe('状态').optional() }),
    response: pageOf(taskView).extend({ overdueCount: z.number().int(), dueSoonCount: z.number().int() }),
  }),
  notifications: route({
    method: 'get', path: '/notifications', tag: '通报', summary: '本单位收到的通报', auth: CASE_WORKERS,
    query: z.strictObject({ ...pageQuery, unread: z.enum(['true', 'false']).describe('仅未读').optional() }),
    response: pageOf(notificationView).extend({ unreadCount: z.number().int() }),
  }),
  readNotification: route({
    method: 'post', path: '/notifications/:id/read', tag: '通报', summary: '标记已读', auth: CASE_WORKERS,
    params: idParams, response: okResponse,
  }),
  uploadDocuments: route({
    method: 'post', path: '/cases/:id/documents', tag: '文书', multipart: true, auth: CASE_WORKERS,
    summary: '上传文书（multipart/form-data，可一次多个文件；类型按文件内容识别；替换时保留旧版本）',
    params: idParams,
    query: z.strictObject({ docType: docTypeSchema.describe('文书类型'), replacesId: id('被替换的文书').optional() }),
    response: z.array(documentView),
  }),
  uploadPolicy: route({
    method: 'post', path: '/cases/:id/documents/upload-policy', tag: '文书', auth: CASE_WORKERS,
    summary: '手机直传 OSS 的签名策略（仅 OSS 存储）；上传后调用登记接口', params: idParams,
    body: z.strictObject({ docType: docTypeSchema.describe('文书类型') }),
    response: z.object({
      host: z.string(), key: z.string(), expireAt: z.string(), maxBytes: z.number().int(), fields: z.record(z.string(), z.string()),
    }),
  }),
  registerUpload: route({
    method: 'post', path: '/cases/:id/documents/register', tag: '文书', auth: CASE_WORKERS,
    summary: '登记已直传到 OSS 的文件（服务器读取文件，识别类型并计算 SHA-256）', params: idParams,
    body: z.strictObject({
      key: z.string().regex(/^cases\/\d+\/\d{4}\/[0-9a-f-]{36}$/, { message: '不是本平台签发的存储键' }).describe('存储键'),
      docType: docTypeSchema.describe('文书类型'),
      fileName: text('文件名', 255),
    }),
    response: z.array(documentView),
  }),
  downloadDocument: route({
    method: 'get', path: '/documents/:id/content', tag: '文书', binary: true, auth: CASE_WORKERS,
    summary: '下载文书（仅案件当事方；响应头 X-Content-SHA256 为文件摘要）', params: idParams,
  }),
  signFiling: route({
    method: 'post', path: '/filings/:id/sign', tag: '备案', summary: '检察院签收备案', auth: ['procurator'],
    params: idParams, response: filingView,
  }),
  filings: route({
    method: 'get', path: '/filings', tag: '备案', summary: '本院收到的备案', auth: ['procurator'],
    query: z.strictObject({ ...pageQuery, signed: z.enum(['true', 'false']).describe('是否已签收').optional() }),
    response: pageOf(filingView),
  }),
};
