import { z } from 'zod';

/** Roles. The last three are separated as 等保 level 3 asks (三员分立). */
export const ROLES = {
  agency_officer: '执法机关承办人',
  agency_head: '执法机关负责人',
  police_officer: '公安机关承办人',
  police_head: '公安机关负责人',
  procurator: '检察官',
  supervisory_officer: '监察机关工作人员',
  org_admin: '单位管理员',
  system_admin: '系统管理员',
  security_admin: '安全管理员',
  audit_admin: '审计管理员',
} as const;

export type Role = keyof typeof ROLES;
export const ROLE_KEYS = Object.keys(ROLES) as [Role, ...Role[]];
export const roleSchema = z.enum(ROLE_KEYS);

/** Platform-wide administrative roles: only a security admin grants or removes them. */
export const PLATFORM_ADMIN_ROLES: readonly Role[] = ['system_admin', 'security_admin', 'audit_admin'];

/** 三员分立: one person holds at most one of the platform admin roles. */
export function separationOfDutiesViolated(roles: readonly Role[]): boolean {
  return roles.filter((r) => PLATFORM_ADMIN_ROLES.includes(r)).length > 1;
}

export const USER_STATUSES = {
  active: '在岗',
  transferred: '已调离',
  retired: '已退休',
  disabled: '已停用',
} as const;
export type UserStatus = keyof typeof USER_STATUSES;
export const userStatusSchema = z.enum(Object.keys(USER_STATUSES) as [UserStatus, ...UserStatus[]]);
