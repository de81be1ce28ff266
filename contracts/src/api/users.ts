import { z } from 'zod';
import { route, text, optText, id, bodyId, phone, idParams, pageQuery, pageOf, okResponse } from './route';
import { roleSchema, userStatusSchema } from '../roles';

const USER_ADMINS = ['system_admin', 'security_admin', 'org_admin'] as const;

export const userView = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  orgId: z.number().int(),
  orgName: z.string(),
  roles: z.array(roleSchema),
  status: userStatusSchema,
  /** Full number only for the admins who manage this person; masked otherwise. */
  phone: z.string().nullable(),
  mustChangePassword: z.boolean(),
  lockedUntil: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
});
export type UserView = z.infer<typeof userView>;

const username = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{2,31}$/, {
  message: '应为 3–32 位字母、数字、下划线、点或连字符，以字母开头',
}).describe('用户名');

export const usersApi = {
  list: route({
    method: 'get', path: '/users', tag: '用户', summary: '用户列表（管理员；单位管理员仅本单位）', auth: USER_ADMINS,
    query: z.strictObject({
      ...pageQuery,
      orgId: id('所属单位').optional(),
      status: userStatusSchema.describe('状态').optional(),
      q: optText('关键字', 64),
    }),
    response: pageOf(userView),
  }),
  get: route({
    method: 'get', path: '/users/:id', tag: '用户', summary: '用户详情', auth: 'any',
    params: idParams, response: userView,
  }),
  create: route({
    method: 'post', path: '/users', tag: '用户', summary: '创建账号（临时密码以短信发送给本人）', auth: USER_ADMINS,
    body: z.strictObject({
      username,
      displayName: text('姓名', 32),
      orgId: bodyId('所属单位'),
      phone: phone(),
      roles: z.array(roleSchema).min(1).max(10).describe('角色'),
    }),
    response: userView,
  }),
  update: route({
    method: 'patch', path: '/users/:id', tag: '用户', summary: '修改用户资料', auth: USER_ADMINS,
    params: idParams,
    body: z.strictObject({
      displayName: optText('姓名', 32),
      phone: phone().optional(),
      orgId: bodyId('所属单位').optional(),
    }),
    response: userView,
  }),
  setRoles: route({
    method: 'put', path: '/users/:id/roles', tag: '用户', summary: '设置角色', auth: USER_ADMINS,
    params: idParams,
    body: z.strictObject({ roles: z.array(roleSchema).max(10).describe('角色') }),
    response: userView,
  }),
  resetPassword: route({
    method: 'post', path: '/users/:id/reset-password', tag: '用户', summary: '重置密码（新临时密码以短信发送给本人，管理员不可见）',
    auth: ['security_admin', 'org_admin'], params: idParams,
    response: z.object({ sentTo: z.string().describe('接收短信的手机号（脱敏）'), expiresAt: z.string() }),
  }),
  unlock: route({
    method: 'post', path: '/users/:id/unlock', tag: '用户', summary: '解除登录锁定', auth: ['security_admin', 'org_admin'],
    params: idParams, response: okResponse,
  }),
  changeStatus: route({
    method: 'post', path: '/users/:id/status', tag: '用户', summary: '调离、退休、停用或恢复；离岗时须交接给同事',
    auth: USER_ADMINS, params: idParams,
    body: z.strictObject({
      status: userStatusSchema.describe('状态'),
      handoverToUserId: bodyId('交接人').optional(),
      reason: text('原因', 500),
    }),
    response: z.object({ user: userView, handedOver: z.record(z.string(), z.number().int()) }),
  }),
  setDutyContacts: route({
    method: 'put', path: '/organisations/:id/duty-contacts', tag: '用户',
    summary: '设置单位值班联系人（收到待办时通知的人）', auth: ['system_admin', 'org_admin'], params: idParams,
    body: z.strictObject({ userIds: z.array(bodyId('联系人')).max(20).describe('联系人') }),
    response: z.object({ orgId: z.number().int(), userIds: z.array(z.number().int()) }),
  }),
};
