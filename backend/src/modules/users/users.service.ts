import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, type EntityManager } from 'typeorm';
import type { z } from 'zod';
import {
  maskPhone, separationOfDutiesViolated, rolesNotFitting, PLATFORM_ADMIN_ROLES, ROLE_KEYS, ROLE_ORG_KINDS, ROLES,
  type Role, type UserStatus, type userView,
} from '@lfxj/contracts';
import { User, UserRole, OrgContact, UserHandover } from './entities';
import { CaseTask } from '../cases/entities';
import type { Organisation } from '../directory/entities';
import { AppError } from '../../common/app-error';
import { AuthService, type AuthUser } from '../auth/auth.service';
import { DirectoryService, escapeLike } from '../directory/directory.service';
import { SmsService } from '../sms/sms.service';
import { Clock, shanghaiMinute } from '../../common/clock';

type UserView = z.infer<typeof userView>;

const BUSINESS_ROLES = ROLE_KEYS.filter((r: Role) => !PLATFORM_ADMIN_ROLES.includes(r) && r !== 'org_admin');
const LEAVING: UserStatus[] = ['transferred', 'retired', 'disabled'];

/**
 * Accounts. Who may manage whom is decided here: platform system and security admins manage
 * every organisation, an organisation admin only their own (and what it succeeded).
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class UsersService {
  @Inject() private auth: AuthService;
  @Inject() private directory: DirectoryService;
  @Inject() private sms: SmsService;
  @Inject() private clock: Clock;

  private isPlatformUserAdmin(actor: AuthUser): boolean {
    return actor.roles.includes('system_admin') || actor.roles.includes('security_admin');
  }

  /** The organisations whose people this admin manages; null means all. */
  async managedOrgIds(em: EntityManager, actor: AuthUser): Promise<number[] | null> {
    if (this.isPlatformUserAdmin(actor)) return null;
    if (actor.roles.includes('org_admin')) return this.directory.scopeOrgIds(em, actor.orgId);
    return [];
  }

  async canManage(em: EntityManager, actor: AuthUser, orgId: number): Promise<boolean> {
    const managed = await this.managedOrgIds(em, actor);
    return managed === null || managed.includes(orgId);
  }

  async assertManages(em: EntityManager, actor: AuthUser, orgId: number, field = 'orgId'): Promise<void> {
    if (!(await this.canManage(em, actor, orgId))) {
      throw new AppError('FORBIDDEN', '只能管理本单位的用户', { field });
    }
  }

  /** Roles an admin may grant or take away. Only a security admin touches platform admin roles. */
  grantableRoles(actor: AuthUser): Role[] {
    if (actor.roles.includes('security_admin')) return [...ROLE_KEYS];
    if (actor.roles.includes('system_admin')) return [...BUSINESS_ROLES, 'org_admin'];
    if (actor.roles.includes('org_admin')) return BUSINESS_ROLES;
    return [];
  }

  async views(em: EntityManager, actor: AuthUser, users: User[]): Promise<UserView[]> {
    const roles = await this.auth.usersWithRoles(em, users.map((u) => u.id));
    const locks = await this.auth.throttle.locksOf(em, users.map((u) => u.username), this.clock.now());
    const orgNames = await this.directory.orgNames(em, [...new Set(users.map((u) => u.orgId))]);
    const managed = await this.managedOrgIds(em, actor);
    return users.map((u) => ({
      id: u.id, username: u.username, displayName: u.displayName, orgId: u.orgId, orgName: orgNames.get(u.orgId) ?? '',
      roles: roles.get(u.id) ?? [], status: u.status,
      // Phone numbers in full only for the admins who manage this person.
      phone: managed === null || managed.includes(u.orgId) ? u.phone : maskPhone(u.phone),
      mustChangePassword: u.mustChangePassword,
      lockedUntil: locks.get(u.username)?.toISOString() ?? null, lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    }));
  }

  async view(em: EntityManager, actor: AuthUser, user: User): Promise<UserView> {
    return (await this.views(em, actor, [user]))[0];
  }

  async list(em: EntityManager, actor: AuthUser, q: { page: number; pageSize: number; orgId?: number; status?: UserStatus; q?: string }) {
    const managed = await this.managedOrgIds(em, actor);
    const qb = em.createQueryBuilder(User, 'u');
    if (managed !== null) qb.andWhere('u.org_id IN (:...managed)', { managed: managed.length ? managed : [0] });
    if (q.orgId) qb.andWhere('u.org_id = :orgId', { orgId: q.orgId });
    if (q.status) qb.andWhere('u.status = :status', { status: q.status });
    if (q.q) qb.andWhere("(u.username LIKE :q ESCAPE '!' OR u.display_name LIKE :q ESCAPE '!')", { q: `%${escapeLike(q.q)}%` });
    const [rows, total] = await qb.orderBy('u.org_id').addOrderBy('u.id').skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return { items: await this.views(em, actor, rows), total, page: q.page, pageSize: q.pageSize };
  }

  async get(em: EntityManager, id: number): Promise<User> {
    const user = await em.findOne(User, { where: { id } });
    if (!user) throw new AppError('NOT_FOUND', `用户不存在（编号 ${id}）`, { field: 'id' });
    return user;
  }

  /** Reading a person: themselves, or an admin who manages them. Nobody browses other accounts. */
  async readable(em: EntityManager, actor: AuthUser, id: number): Promise<User> {
    const user = await this.get(em, id);
    const isAdmin = actor.roles.some((r) => r === 'system_admin' || r === 'security_admin' || r === 'org_admin');
    if (user.id !== actor.id && !(isAdmin && (await this.canManage(em, actor, user.orgId)))) throw new AppError('FORBIDDEN');
    return user;
  }

  private async assertRolesChange(actor: AuthUser, before: Role[], after: Role[]): Promise<void> {
    const grantable = this.grantableRoles(actor);
    const changed = [...after.filter((r) => !before.includes(r)), ...before.filter((r) => !after.includes(r))];
    const refused = changed.filter((r) => !grantable.includes(r));
    if (refused.length) {
      throw new AppError('FORBIDDEN', `无权授予或取消角色：${refused.map((r) => ROLES[r]).join('、')}`, { field: 'roles' });
    }
    if (separationOfDutiesViolated(after)) {
      throw AppError.field('roles', '角色', '系统管理员、安全管理员、审计管理员须由不同人员担任（三员分立）', 'RULE_VIOLATION');
    }
  }

  /**
   * Roles fit the kind of the person's organisation (ROLE_ORG_KINDS in contracts): an agency's
   * admin cannot make a police head, platform admin roles exist only in the platform organisation.
   */
  private async assertRolesFitOrg(em: EntityManager, roles: Role[], org: Organisation, field: 'roles' | 'orgId'): Promise<void> {
    const misfits = rolesNotFitting(roles, org.kind);
    if (!misfits.length) return;
    const name = (await this.directory.currentOrgName(em, org.id)) || `编号 ${org.id} 的单位`;
    if (field === 'roles') {
      const why = misfits.map((r) => `“${ROLES[r]}”只能授予${ROLE_ORG_KINDS[r].join('、')}的人员`).join('；');
      throw AppError.field('roles', '角色', `${why}，${name}是${org.kind}`, 'RULE_VIOLATION');
    }
    throw AppError.field('orgId', '所属单位', `${name}是${org.kind}，该用户的角色不能在此担任：${misfits.map((r) => ROLES[r]).join('、')}（请先调整角色）`, 'RULE_VIOLATION');
  }

  /** A new account gets a temporary password by SMS to its owner; the admin never sees it. */
  async create(em: EntityManager, actor: AuthUser, input: { username: string; displayName: string; orgId: number; phone: string; roles: Role[] }): Promise<User> {
    const org = await this.directory.getOrg(em, input.orgId, 'orgId', '所属单位');
    await this.assertManages(em, actor, input.orgId);
    const roles = [...new Set(input.roles)];
    await this.assertRolesChange(actor, [], roles);
    await this.assertRolesFitOrg(em, roles, org, 'roles');
    if (await em.findOne(User, { where: { username: input.username } })) throw AppError.field('username', '用户名', '已被使用', 'CONFLICT');
    const temporary = this.auth.generateTemporaryPassword();
    const user = em.create(User, {
      username: input.username, displayName: input.displayName, orgId: input.orgId, phone: input.phone, status: 'active',
      passwordHash: await this.auth.hashPassword(temporary), mustChangePassword: true,
      tempPasswordExpiresAt: this.auth.temporaryPasswordExpiry(), passwordChangedAt: this.clock.now(), lastLoginAt: null,
    });
    await em.save(user);
    if (roles.length) await em.insert(UserRole, roles.map((role) => ({ userId: user.id, role })));
    // Failures typed against this name before it existed are not the new holder's.
    await this.auth.throttle.clear(em, user.username);
    await this.sendTemporaryPassword(em, user, temporary, '已开通');
    return user;
  }

  /** Queued in this transaction, sent right after it commits (never from inside it). */
  private async sendTemporaryPassword(em: EntityManager, user: User, password: string, what: string): Promise<void> {
    if (!user.phone) throw AppError.field('phone', '手机号', '未登记，无法发送临时密码', 'RULE_VIOLATION');
    const expires = shanghaiMinute(this.auth.temporaryPasswordExpiry());
    await this.sms.queueAccountMessage(em, {
      userId: user.id, orgId: user.orgId, phone: user.phone, secrets: ['password'],
      params: { username: user.username, action: what, password, expires },
      render: (p) => `您的两法衔接平台账号 ${p.username} ${p.action}，临时密码 ${p.password}，${p.expires}前有效，首次登录须修改。`,
    });
  }

  async resetPassword(em: EntityManager, actor: AuthUser, id: number): Promise<{ sentTo: string; expiresAt: string }> {
    const user = await this.get(em, id);
    if (user.id === actor.id) throw new AppError('FORBIDDEN', '不能重置本人密码，请使用“修改密码”');
    await this.assertManages(em, actor, user.orgId);
    if (user.status !== 'active') throw new AppError('RULE_VIOLATION', '该账号已停用，不能重置密码');
    const temporary = this.auth.generateTemporaryPassword();
    await this.auth.setPassword(em, user, temporary, { temporary: true });
    await this.auth.revokeAllSessions(em, user.id, 'password_reset');
    await this.sendTemporaryPassword(em, user, temporary, '的密码已重置');
    return { sentTo: maskPhone(user.phone) ?? '', expiresAt: user.tempPasswordExpiresAt?.toISOString() ?? '' };
  }

  async unlock(em: EntityManager, actor: AuthUser, id: number): Promise<void> {
    const user = await this.get(em, id);
    await this.assertManages(em, actor, user.orgId);
    // The account name's login failures, delays and hard lock are cleared (login_throttle).
    await this.auth.throttle.clear(em, user.username);
  }

  async update(em: EntityManager, actor: AuthUser, id: number, input: { displayName?: string; phone?: string; orgId?: number }): Promise<User> {
    const user = await this.get(em, id);
    await this.assertManages(em, actor, user.orgId);
    if (input.orgId !== undefined && input.orgId !== user.orgId) {
      const org = await this.directory.getOrg(em, input.orgId, 'orgId', '所属单位');
      await this.assertManages(em, actor, input.orgId);
      await this.assertRolesFitOrg(em, await this.auth.rolesOf(em, id), org, 'orgId');
    }
    Object.assign(user, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
    await em.save(user);
    // The name and the organisation are part of who a session is.
    this.auth.accountChanged(em, id);
    return user;
  }

  async setRoles(em: EntityManager, actor: AuthUser, id: number, roles: Role[]): Promise<User> {
    const user = await this.get(em, id);
    if (user.id === actor.id) throw new AppError('FORBIDDEN', '不能修改本人的角色');
    await this.assertManages(em, actor, user.orgId);
    const wanted = [...new Set(roles)];
    await this.assertRolesChange(actor, await this.auth.rolesOf(em, id), wanted);
    await this.assertRolesFitOrg(em, wanted, await this.directory.getOrg(em, user.orgId, 'id', '用户所属单位'), 'roles');
    await em.delete(UserRole, { userId: id });
    if (wanted.length) await em.insert(UserRole, wanted.map((role) => ({ userId: id, role })));
    this.auth.accountChanged(em, id);
    return user;
  }

  /**
   * A person who leaves (调离 / 退休 / 停用) can no longer log in, and what they held passes to
   * a colleague. Later modules add their holdings (open tasks, cases) to `handOver`.
   */
  async changeStatus(em: EntityManager, actor: AuthUser, id: number, input: { status: UserStatus; handoverToUserId?: number; reason: string }) {
    const user = await this.get(em, id);
    if (user.id === actor.id) throw new AppError('FORBIDDEN', '不能修改本人的状态');
    await this.assertManages(em, actor, user.orgId);
    const handedOver: Record<string, number> = {};
    if (LEAVING.includes(input.status)) {
      const held = await em.find(OrgContact, { where: { userId: id } });
      let colleague: User | null = null;
      if (input.handoverToUserId !== undefined) {
        colleague = await this.get(em, input.handoverToUserId);
        if (colleague.id === user.id || colleague.status !== 'active') {
          throw AppError.field('handoverToUserId', '交接人', '必须是另一位在岗人员', 'RULE_VIOLATION');
        }
        await this.assertManages(em, actor, colleague.orgId, 'handoverToUserId');
      } else if (held.length || (await em.count(CaseTask, { where: { assigneeId: id, status: 'open' } }))) {
        throw AppError.field('handoverToUserId', '交接人', '必须指定：该用户仍担任值班联系人或有未办结的待办', 'RULE_VIOLATION');
      }
      if (colleague) {
        for (const contact of held) {
          const exists = await em.findOne(OrgContact, { where: { orgId: contact.orgId, userId: colleague.id, kind: contact.kind } });
          if (exists) await em.delete(OrgContact, { id: contact.id });
          else await em.update(OrgContact, { id: contact.id }, { userId: colleague.id });
        }
        handedOver.dutyContacts = held.length;
        // Open tasks given to the person go to the colleague, and so do their reminders.
        const tasks = await em.find(CaseTask, { where: { assigneeId: id, status: 'open' }, select: { id: true } });
        if (tasks.length) await em.update(CaseTask, { id: In(tasks.map((t) => t.id)) }, { assigneeId: colleague.id, nextRemindAt: this.clock.now() });
        handedOver.tasks = tasks.length;
      }
      await this.auth.revokeAllSessions(em, id, `status_${input.status}`);
      await em.insert(UserHandover, {
        fromUserId: id, toUserId: colleague?.id ?? null, byUserId: actor.id, newStatus: input.status,
        reason: input.reason, items: JSON.stringify(handedOver),
      });
    }
    user.status = input.status;
    await em.save(user);
    this.auth.accountChanged(em, id);
    return { user, handedOver };
  }

  async setDutyContacts(em: EntityManager, actor: AuthUser, orgId: number, userIds: number[]): Promise<number[]> {
    await this.directory.getOrg(em, orgId, 'id');
    await this.assertManages(em, actor, orgId, 'id');
    const ids = [...new Set(userIds)];
    const users = ids.length ? await em.find(User, { where: { id: In(ids) } }) : [];
    for (const id of ids) {
      const u = users.find((x) => x.id === id);
      if (!u || u.status !== 'active') throw AppError.field('userIds', '联系人', `编号 ${id} 不是在岗用户`, 'RULE_VIOLATION');
      if (!(await this.canManage(em, actor, u.orgId))) throw new AppError('FORBIDDEN', '只能指定本单位人员', { field: 'userIds' });
    }
    await em.delete(OrgContact, { orgId, kind: 'duty' });
    if (ids.length) await em.insert(OrgContact, ids.map((userId) => ({ orgId, userId, kind: 'duty' })));
    return ids;
  }
}
