import { z } from 'zod';
import { route, text, optText, id, bodyId, date, idParams, pageQuery, pageOf } from './route';
import { orgKindSchema, domainSchema, REGION_KINDS, SUCCESSION_KINDS, ORG_STATUSES, type OrgStatus } from '../directory';

const DIRECTORY_ADMINS = ['system_admin'] as const;

export const datedName = z.object({
  name: z.string(), shortName: z.string().nullable(),
  validFrom: z.string().nullable(), validTo: z.string().nullable(),
});

export const regionView = z.object({
  id: z.number().int(), code: z.string(), kind: z.enum(REGION_KINDS), parentId: z.number().int().nullable(),
  name: z.string().describe('查询日期时的名称'), currentName: z.string(),
  names: z.array(datedName),
});

const orgStatus = z.enum(Object.keys(ORG_STATUSES) as [OrgStatus, ...OrgStatus[]]);

export const orgSummary = z.object({
  id: z.number().int(), code: z.string(), kind: orgKindSchema, regionId: z.number().int(),
  parentId: z.number().int().nullable(), domain: domainSchema.nullable(), status: orgStatus,
  name: z.string().describe('查询日期时的名称'), currentName: z.string(),
});

export const successionView = z.object({
  id: z.number().int(), kind: z.enum(SUCCESSION_KINDS), date: z.string(), note: z.string().nullable(),
  predecessorId: z.number().int(), predecessorName: z.string(),
  successorId: z.number().int(), successorName: z.string(),
});

export const orgDetail = orgSummary.extend({
  names: z.array(datedName),
  predecessors: z.array(successionView),
  successors: z.array(successionView),
  /** Where this organisation's work went, following successions to organisations that still exist. */
  currentSuccessors: z.array(orgSummary),
});

export const routingView = z.object({
  regionId: z.number().int(), regionName: z.string(),
  police: orgSummary.nullable(), procuratorate: orgSummary.nullable(), supervisory: orgSummary.nullable(),
  note: z.string().nullable(), updatedAt: z.string(),
});

const atQuery = { at: date('查询日期').optional() };

export const directoryApi = {
  regions: route({
    method: 'get', path: '/regions', tag: '组织机构', summary: '行政区划（可按日期查询当时的名称）', auth: 'any',
    query: z.strictObject(atQuery), response: z.array(regionView),
  }),
  region: route({
    method: 'get', path: '/regions/:id', tag: '组织机构', summary: '行政区划详情与名称沿革', auth: 'any',
    params: idParams, query: z.strictObject(atQuery), response: regionView,
  }),
  renameRegion: route({
    method: 'post', path: '/regions/:id/names', tag: '组织机构', summary: '行政区划更名（保留历史名称）', auth: DIRECTORY_ADMINS,
    params: idParams,
    body: z.strictObject({ name: text('新名称', 64), validFrom: date('启用日期') }),
    response: regionView,
  }),
  organisations: route({
    method: 'get', path: '/organisations', tag: '组织机构', summary: '单位查询（按现用名或曾用名）', auth: 'any',
    query: z.strictObject({
      ...pageQuery, ...atQuery,
      q: optText('名称关键字', 64),
      kind: orgKindSchema.describe('单位类型').optional(),
      regionId: id('行政区划').optional(),
      domain: domainSchema.describe('执法领域').optional(),
      includeAbolished: z.enum(['true', 'false']).describe('包含已撤销单位').optional(),
    }),
    response: pageOf(orgSummary),
  }),
  organisation: route({
    method: 'get', path: '/organisations/:id', tag: '组织机构', summary: '单位详情、名称沿革与承继关系', auth: 'any',
    params: idParams, query: z.strictObject(atQuery), response: orgDetail,
  }),
  createOrganisation: route({
    method: 'post', path: '/organisations', tag: '组织机构', summary: '新增单位', auth: DIRECTORY_ADMINS,
    body: z.strictObject({
      code: z.string().regex(/^[A-Z0-9-]{2,32}$/, { message: '应为 2–32 位大写字母、数字或连字符' }).describe('单位编码'),
      kind: orgKindSchema.describe('单位类型'),
      regionId: bodyId('行政区划'),
      parentId: bodyId('上级单位').optional(),
      domain: domainSchema.describe('执法领域').optional(),
      name: text('名称', 64),
      shortName: optText('简称', 32),
      validFrom: date('成立日期').optional(),
    }),
    response: orgDetail,
  }),
  renameOrganisation: route({
    method: 'post', path: '/organisations/:id/names', tag: '组织机构', summary: '单位更名（保留历史名称）', auth: DIRECTORY_ADMINS,
    params: idParams,
    body: z.strictObject({ name: text('新名称', 64), shortName: optText('简称', 32), validFrom: date('启用日期') }),
    response: orgDetail,
  }),
  succession: route({
    method: 'post', path: '/organisations/successions', tag: '组织机构',
    summary: '机构改革：合并、分立或职能划转，前身单位的记录由承继单位继续可见', auth: DIRECTORY_ADMINS,
    body: z.strictObject({
      kind: z.enum(SUCCESSION_KINDS).describe('类型'),
      predecessorIds: z.array(bodyId('前身单位')).min(1).max(20).describe('前身单位'),
      successorIds: z.array(bodyId('承继单位')).min(1).max(20).describe('承继单位'),
      date: date('生效日期'),
      note: optText('说明', 500),
    }),
    response: z.array(successionView),
  }),
  routing: route({
    method: 'get', path: '/routing', tag: '组织机构', summary: '同级衔接路由表：各区域的公安机关、备案检察院、监察机关', auth: 'any',
    response: z.array(routingView),
  }),
  resolveRouting: route({
    method: 'get', path: '/routing/resolve', tag: '组织机构', summary: '按单位所在区域解析同级公安机关、备案检察院、监察机关', auth: 'any',
    query: z.strictObject({ orgId: id('单位') }), response: routingView,
  }),
  setRouting: route({
    method: 'put', path: '/routing/:id', tag: '组织机构', summary: '修改某区域的衔接路由', auth: DIRECTORY_ADMINS,
    params: idParams,
    body: z.strictObject({
      policeOrgId: bodyId('公安机关'),
      procuratorateOrgId: bodyId('备案检察院'),
      supervisoryOrgId: bodyId('监察机关').optional(),
      note: optText('说明', 500),
    }),
    response: routingView,
  }),
};
