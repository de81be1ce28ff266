import { z } from 'zod';
import type { OrgKind } from './directory';

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

/**
 * The kinds of organisation a role may be held in: a role does the work of one party to the
 * process (an agency head approves an agency's transfers, a police head decides for a police
 * body), so it can only be held by people of that kind of organisation. The platform admin roles
 * (三员, 等保 GB/T 22239 三级 安全管理中心) belong to the platform's own organisation only; an
 * organisation admin manages the accounts of an organisation that takes part in cases.
 */
export const ROLE_ORG_KINDS: Record<Role, readonly OrgKind[]> = {
  agency_officer: ['行政执法机关'],
  agency_head: ['行政执法机关'],
  police_officer: ['公安机关'],
  police_head: ['公安机关'],
  procurator: ['人民检察院'],
  supervisory_officer: ['监察机关'],
  org_admin: ['行政执法机关', '公安机关', '人民检察院', '监察机关'],
  system_admin: ['平台'],
  security_admin: ['平台'],
  audit_admin: ['平台'],
};

/** The roles of `roles` that cannot be held in an organisation of `kind`. */
export function rolesNotFitting(roles: readonly Role[], kind: OrgKind): Role[] {
  return roles.filter((r) => !ROLE_ORG_KINDS[r].includes(kind));
}

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
