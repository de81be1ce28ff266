import { z } from 'zod';
import { route, text, optText, date, idParams, pageQuery, pageOf } from './route';
import { regCategorySchema, regStatusSchema, organKindSchema } from '../regulations';
import { domainSchema } from '../directory';

const CURATORS = ['system_admin'] as const;

export const legalOrganView = z.object({ id: z.number().int(), name: z.string(), kind: organKindSchema });

export const articleSchema = z.strictObject({
  label: text('条号', 32),
  text: text('条文', 20_000),
});

export const regulationView = z.object({
  id: z.number().int(),
  title: z.string(), category: regCategorySchema,
  issuers: z.array(legalOrganView), docNumber: z.string().nullable(),
  issuedOn: z.string().nullable(), effectiveOn: z.string().nullable(), repealedOn: z.string().nullable(),
  status: regStatusSchema.describe('以今日计的效力状态'),
  domains: z.array(domainSchema), summary: z.string().nullable(),
  articles: z.array(z.object({ label: z.string(), text: z.string() })).optional(),
  unverified: z.boolean(), note: z.string().nullable(),
});

const regulationFields = {
  title: text('标题', 200),
  category: regCategorySchema.describe('效力位阶'),
  issuerIds: z.array(z.number().int().positive().describe('制定机关')).min(1).max(10).describe('制定机关'),
  docNumber: optText('文号', 100),
  issuedOn: date('发布日期').optional(),
  effectiveOn: date('施行日期').optional(),
  repealedOn: date('废止日期').optional(),
  status: regStatusSchema.describe('效力状态').optional(),
  domains: z.array(domainSchema).max(20).describe('执法领域').optional(),
  summary: optText('摘要', 5_000),
  fullText: optText('全文', 2_000_000),
  articles: z.array(articleSchema).max(2_000).describe('条文').optional(),
  note: optText('备注', 1_000),
};

export const regulationsApi = {
  list: route({
    method: 'get', path: '/regulations', tag: '法律法规', summary: '检索法律法规（标题、文号、全文）', auth: 'any',
    query: z.strictObject({
      ...pageQuery,
      q: optText('关键字', 100),
      category: regCategorySchema.describe('效力位阶').optional(),
      status: regStatusSchema.describe('效力状态').optional(),
      domain: domainSchema.describe('执法领域').optional(),
    }),
    response: pageOf(regulationView),
  }),
  get: route({
    method: 'get', path: '/regulations/:id', tag: '法律法规', summary: '法律法规详情与条文', auth: 'any',
    params: idParams, response: regulationView,
  }),
  create: route({
    method: 'post', path: '/regulations', tag: '法律法规', summary: '新增（效力位阶须与制定机关相符）', auth: CURATORS,
    body: z.strictObject(regulationFields), response: regulationView,
  }),
  update: route({
    method: 'patch', path: '/regulations/:id', tag: '法律法规', summary: '修改', auth: CURATORS,
    params: idParams, body: z.strictObject(regulationFields).partial(), response: regulationView,
  }),
  organs: route({
    method: 'get', path: '/legal-organs', tag: '法律法规', summary: '制定机关', auth: 'any',
    query: z.strictObject({ kind: organKindSchema.describe('机关类别').optional() }),
    response: z.array(legalOrganView),
  }),
};
