import { z } from 'zod';
import { route, text, okResponse } from './route';
import { roleSchema } from '../roles';

export const sessionUser = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  orgId: z.number().int(),
  orgName: z.string(),
  roles: z.array(roleSchema),
});
export type SessionUser = z.infer<typeof sessionUser>;

export const tokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  accessExpiresIn: z.number().int().describe('访问令牌有效秒数'),
  mustChangePassword: z.boolean(),
  user: sessionUser,
});
export type TokenPair = z.infer<typeof tokenPair>;

const password = (label: string) => z.string().min(1).max(128).describe(label);

export const authApi = {
  login: route({
    method: 'post', path: '/auth/login', tag: '认证', summary: '登录', auth: false,
    body: z.strictObject({ username: text('用户名', 64), password: password('密码') }),
    response: tokenPair,
  }),
  refresh: route({
    method: 'post', path: '/auth/refresh', tag: '认证', summary: '用刷新凭证换取新令牌（刷新凭证轮换）', auth: false,
    body: z.strictObject({ refreshToken: text('刷新凭证', 256) }),
    response: tokenPair,
  }),
  logout: route({
    method: 'post', path: '/auth/logout', tag: '认证', summary: '注销当前会话', auth: 'any', allowWithTempPassword: true,
    response: okResponse,
  }),
  changePassword: route({
    method: 'post', path: '/auth/password', tag: '认证', summary: '修改本人密码（所有会话随之失效）', auth: 'any', allowWithTempPassword: true,
    body: z.strictObject({ oldPassword: password('原密码'), newPassword: password('新密码') }),
    response: tokenPair,
  }),
  // Behind the temporary-password gate like every other call: the login answer already tells the
  // client who is logged in and that the password must change; the phone number waits for that.
  me: route({
    method: 'get', path: '/auth/me', tag: '认证', summary: '当前用户（须先修改临时密码）', auth: 'any',
    response: sessionUser.extend({ mustChangePassword: z.boolean(), phoneMasked: z.string().nullable() }),
  }),
};
