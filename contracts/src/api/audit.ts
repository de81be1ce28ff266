import { z } from 'zod';
import { route, optText, id, date, pageQuery, pageOf } from './route';

export const auditView = z.object({
  id: z.number().int(), at: z.string(), userId: z.number().int().nullable(), username: z.string().nullable(),
  orgId: z.number().int().nullable(), action: z.string(), targetType: z.string().nullable(), targetId: z.string().nullable(),
  outcome: z.enum(['success', 'failure']), clientIp: z.string().nullable(), details: z.record(z.string(), z.unknown()),
  sealed: z.boolean(),
});

export const verifyResult = z.object({
  ok: z.boolean(), checked: z.number().int(), unsealed: z.number().int(),
  firstBrokenId: z.number().int().nullable(), reason: z.string().nullable(),
});
export type VerifyResult = z.infer<typeof verifyResult>;

export const auditApi = {
  list: route({
    method: 'get', path: '/audit', tag: '审计', summary: '审计日志（审计管理员）', auth: ['audit_admin'],
    query: z.strictObject({
      ...pageQuery,
      userId: id('用户').optional(),
      action: optText('操作', 64),
      from: date('起始日期').optional(),
      to: date('截止日期').optional(),
    }),
    response: pageOf(auditView),
  }),
  verify: route({
    method: 'post', path: '/audit/verify', tag: '审计', summary: '校验审计日志哈希链', auth: ['audit_admin'],
    response: verifyResult,
  }),
};
