import { Provide, Scope, ScopeEnum, Inject, Config, ILogger, Logger } from '@midwayjs/core';
import { JwtService } from '@midwayjs/jwt';
import type { Context } from '@midwayjs/koa';
import * as bcrypt from 'bcryptjs';
import { createHash, randomBytes, randomUUID } from 'crypto';
import { In, IsNull, type EntityManager } from 'typeorm';
import { passwordProblems, type Role, type TokenPair } from '@lfxj/contracts';
import type { AppConfig } from '../../config/env';
import { AppError } from '../../common/app-error';
import { Clock, MINUTE, HOUR, shanghaiMinute } from '../../common/clock';
import { Db } from '../../common/db';
import { User, UserRole, PasswordHistory } from '../users/entities';
import { UserSession, RefreshToken } from './entities';
import { DirectoryService } from '../directory/directory.service';
import { SmsService } from '../sms/sms.service';
import { LoginThrottleService, accountKeyName } from './login-throttle';
import type { AuditNote } from '../../common/endpoint';

export interface AuthUser {
  id: number;
  username: string;
  displayName: string;
  orgId: number;
  roles: Role[];
  sessionId: string;
  mustChangePassword: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Only touch last_seen_at once a minute, not on every request. */
const TOUCH_EVERY_MS = MINUTE;

@Provide()
@Scope(ScopeEnum.Singleton)
export class AuthService {
  @Config('app') private cfg: AppConfig;
  @Inject() private jwt: JwtService;
  @Inject() private clock: Clock;
  @Inject() private db: Db;
  @Inject() private directory: DirectoryService;
  @Inject() private sms: SmsService;
  @Inject() readonly throttle: LoginThrottleService;
  @Logger() private logger: ILogger;
  private dummyHash?: string;

  hashPassword(password: string): Promise<string> {
    return bcrypt.hash(password, this.cfg.bcryptRounds);
  }

  /** A random temporary password that itself satisfies the password rules. */
  generateTemporaryPassword(): string {
    const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '#%+=@'];
    const all = sets.join('');
    const pick = (set: string) => set[randomBytes(1)[0] % set.length];
    const chars = [...sets.map(pick), ...Array.from({ length: 8 }, () => pick(all))];
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomBytes(1)[0] % (i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join('');
  }

  temporaryPasswordExpiry(): Date {
    return new Date(this.clock.now().getTime() + this.cfg.tempPasswordHours * HOUR);
  }

  /**
   * Log in. Every failure answers alike for known and unknown account names: the counts live in
   * login_throttle keyed by the name typed, an unknown name costs the same bcrypt comparison as a
   * known one, and delays or the hard lock are checked before the password (see LoginThrottleService).
   */
  async login(em: EntityManager, username: string, password: string, clientIp: string | null, audit: AuditNote): Promise<TokenPair> {
    const now = this.clock.now();
    const name = accountKeyName(username);
    const found = await em.findOne(User, { where: { username } });
    // Only the exact name (any case) is the account: a collation's accent folding is not.
    const user = found && found.username.toLowerCase() === name ? found : null;
    audit.actor = { id: user?.id ?? null, username, orgId: user?.orgId ?? null };
    const rows = await this.throttle.begin(em, name, clientIp, now);
    this.throttle.assertAllowed(rows, now);
    this.dummyHash ??= await bcrypt.hash('not-a-password', this.cfg.bcryptRounds);
    const matches = await bcrypt.compare(password, user?.passwordHash ?? this.dummyHash);
    if (!user || !matches) {
      const outcome = await this.throttle.recordFailure(em, rows, clientIp, now);
      if (outcome.tellHolder && user) this.tellHolderOfLock(em, user, outcome.tellHolder);
      throw outcome.error.committing();
    }
    if (user.status !== 'active') throw new AppError('ACCOUNT_INACTIVE');
    if (user.mustChangePassword && user.tempPasswordExpiresAt && user.tempPasswordExpiresAt <= now) {
      throw new AppError('TEMP_PASSWORD_EXPIRED');
    }
    await this.throttle.succeeded(em, name);
    await em.update(User, { id: user.id }, { lastLoginAt: now });
    return this.startSession(em, user, clientIp);
  }

  /**
   * 等保: the holder learns that their account was locked (once per episode). The message is
   * queued right after the lock commits, in a transaction of its own that the answer does not
   * wait for: an SMS provider's latency must not make a known name answer slower than an unknown one.
   */
  private tellHolderOfLock(em: EntityManager, user: User, lock: { lockedUntil: Date; episode: Date }): void {
    if (!user.phone || user.status !== 'active') return;
    const phone = user.phone;
    this.db.afterCommit(em, () => {
      void this.db.transaction((tx) => this.sms.queueAccountMessage(tx, {
        userId: user.id, orgId: user.orgId, phone, dedupeKey: `login-lock:${user.id}:${lock.episode.toISOString()}`,
        params: { username: user.username, until: shanghaiMinute(lock.lockedUntil) },
        render: (p) => `您的两法衔接平台账号 ${p.username} 登录失败次数过多，已锁定至 ${p.until}。如非本人操作，请立即联系单位管理员。`,
      })).catch((err: Error) => this.logger.warn('账号锁定短信未能写入发送队列：%s', err.message));
    });
  }

  async startSession(em: EntityManager, user: User, clientIp: string | null): Promise<TokenPair> {
    const now = this.clock.now();
    const session = em.create(UserSession, {
      id: randomUUID(), userId: user.id, lastSeenAt: now, clientIp,
      expiresAt: new Date(now.getTime() + this.cfg.refreshTtlHours * HOUR), revokedAt: null, revokeReason: null,
    });
    await em.insert(UserSession, session);
    return this.issueTokens(em, user, session);
  }

  private async issueTokens(em: EntityManager, user: User, session: UserSession): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await em.insert(RefreshToken, { sessionId: session.id, tokenHash: sha256(refreshToken), expiresAt: session.expiresAt, usedAt: null });
    const nowSec = Math.floor(this.clock.now().getTime() / 1000);
    const accessExpiresIn = this.cfg.accessTtlMinutes * 60;
    const accessToken = await this.jwt.sign({ sub: String(user.id), sid: session.id, iat: nowSec }, this.cfg.jwtSecret, { expiresIn: accessExpiresIn });
    const roles = await this.rolesOf(em, user.id);
    return {
      accessToken, refreshToken, accessExpiresIn, mustChangePassword: user.mustChangePassword,
      user: {
        id: user.id, username: user.username, displayName: user.displayName, orgId: user.orgId, roles,
        orgName: await this.directory.currentOrgName(em, user.orgId),
      },
    };
  }

  async rolesOf(em: EntityManager, userId: number): Promise<Role[]> {
    return (await em.find(UserRole, { where: { userId }, order: { role: 'ASC' } })).map((r) => r.role);
  }

  /** Rotation: each refresh token works once; presenting a used one ends the whole session. */
  async refresh(em: EntityManager, token: string, audit: AuditNote): Promise<TokenPair> {
    const now = this.clock.now();
    const row = await em.findOne(RefreshToken, { where: { tokenHash: sha256(token) } });
    const session = row && (await em.findOne(UserSession, { where: { id: row.sessionId } }));
    if (!row || !session || session.revokedAt || session.expiresAt <= now || row.expiresAt <= now) {
      throw new AppError('REFRESH_TOKEN_INVALID');
    }
    const claimed = await em.update(RefreshToken, { id: row.id, usedAt: IsNull() }, { usedAt: now });
    if (row.usedAt || !claimed.affected) {
      await this.revokeSession(em, session.id, 'refresh_reuse');
      throw new AppError('REFRESH_TOKEN_REUSED').committing();
    }
    if (now.getTime() - session.lastSeenAt.getTime() > this.cfg.idleMinutes * MINUTE) {
      await this.revokeSession(em, session.id, 'idle');
      throw new AppError('SESSION_IDLE').committing();
    }
    const user = await em.findOneOrFail(User, { where: { id: session.userId } });
    audit.actor = { id: user.id, username: user.username, orgId: user.orgId };
    if (user.status !== 'active') {
      await this.revokeSession(em, session.id, 'inactive');
      throw new AppError('ACCOUNT_INACTIVE').committing();
    }
    await em.update(UserSession, { id: session.id }, { lastSeenAt: now });
    return this.issueTokens(em, user, session);
  }

  async revokeSession(em: EntityManager, sessionId: string, reason: string): Promise<void> {
    await em.update(UserSession, { id: sessionId, revokedAt: IsNull() }, { revokedAt: this.clock.now(), revokeReason: reason });
  }

  async revokeAllSessions(em: EntityManager, userId: number, reason: string): Promise<void> {
    await em.update(UserSession, { userId, revokedAt: IsNull() }, { revokedAt: this.clock.now(), revokeReason: reason });
  }

  async changePassword(em: EntityManager, auth: AuthUser, oldPassword: string, newPassword: string, clientIp: string | null): Promise<TokenPair> {
    const user = await em.findOneOrFail(User, { where: { id: auth.id } });
    if (!(await bcrypt.compare(oldPassword, user.passwordHash))) {
      throw AppError.field('oldPassword', '原密码', '不正确', 'PASSWORD_WRONG');
    }
    await this.assertAcceptablePassword(em, user, newPassword);
    await this.setPassword(em, user, newPassword, { temporary: false });
    await this.revokeAllSessions(em, user.id, 'password_changed');
    return this.startSession(em, user, clientIp);
  }

  /** 等保 password rules plus "not one of the last N". */
  async assertAcceptablePassword(em: EntityManager, user: User, password: string): Promise<void> {
    const problems = passwordProblems(password, user.username, this.cfg.passwordMinLength);
    if (problems.length) throw AppError.field('newPassword', '新密码', `不符合规则：${problems.join('；')}`, 'PASSWORD_POLICY');
    const recent = await em.find(PasswordHistory, { where: { userId: user.id }, order: { id: 'DESC' }, take: this.cfg.passwordHistory });
    for (const old of [user.passwordHash, ...recent.map((r) => r.passwordHash)]) {
      if (await bcrypt.compare(password, old)) {
        throw AppError.field('newPassword', '新密码', `不得与最近 ${this.cfg.passwordHistory} 次使用过的密码相同`, 'PASSWORD_POLICY');
      }
    }
  }

  /** Store a new password; a temporary one must be changed at first use and expires. */
  async setPassword(em: EntityManager, user: User, password: string, opts: { temporary: boolean }): Promise<void> {
    const hash = await this.hashPassword(password);
    const now = this.clock.now();
    Object.assign(user, {
      passwordHash: hash, mustChangePassword: opts.temporary, passwordChangedAt: now,
      tempPasswordExpiresAt: opts.temporary ? this.temporaryPasswordExpiry() : null,
    });
    await em.update(User, { id: user.id }, {
      passwordHash: user.passwordHash, mustChangePassword: user.mustChangePassword, passwordChangedAt: now,
      tempPasswordExpiresAt: user.tempPasswordExpiresAt,
    });
    // A new password (an admin's reset, or the holder's change) ends any lock on the account.
    await this.throttle.clear(em, user.username);
    if (!opts.temporary) {
      await em.insert(PasswordHistory, { userId: user.id, passwordHash: hash });
      const keep = await em.find(PasswordHistory, { where: { userId: user.id }, order: { id: 'DESC' }, take: this.cfg.passwordHistory });
      if (keep.length === this.cfg.passwordHistory) {
        const oldest = keep[keep.length - 1].id;
        await em.createQueryBuilder().delete().from(PasswordHistory).where('user_id = :u AND id < :oldest', { u: user.id, oldest }).execute();
      }
    }
  }

  /** Who is calling: a valid access token of a live, recently active session of an active user. */
  async authenticate(ctx: Context): Promise<AuthUser> {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED');
    const now = this.clock.now();
    let payload: { sub?: string; sid?: string };
    try {
      payload = (await this.jwt.verify(match[1], this.cfg.jwtSecret, { clockTimestamp: Math.floor(now.getTime() / 1000) })) as typeof payload;
    } catch {
      throw new AppError('TOKEN_INVALID');
    }
    const sid = payload.sid;
    const session = sid ? await this.db.read((em) => em.findOne(UserSession, { where: { id: sid } })) : null;
    if (!session || String(session.userId) !== payload.sub) throw new AppError('TOKEN_INVALID');
    if (session.revokedAt) throw new AppError('SESSION_REVOKED');
    if (now.getTime() - session.lastSeenAt.getTime() > this.cfg.idleMinutes * MINUTE) {
      await this.db.transaction((em) => this.revokeSession(em, session.id, 'idle'));
      throw new AppError('SESSION_IDLE');
    }
    const { user, roles } = await this.db.read(async (em) => ({
      user: await em.findOne(User, { where: { id: session.userId } }),
      roles: await this.rolesOf(em, session.userId),
    }));
    if (!user || user.status !== 'active') throw new AppError('ACCOUNT_INACTIVE');
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.db.transaction((em) => em.update(UserSession, { id: session.id }, { lastSeenAt: now }));
    }
    return {
      id: user.id, username: user.username, displayName: user.displayName, orgId: user.orgId,
      roles, sessionId: session.id, mustChangePassword: user.mustChangePassword,
    };
  }

  async usersWithRoles(em: EntityManager, ids: number[]): Promise<Map<number, Role[]>> {
    const map = new Map<number, Role[]>(ids.map((id) => [id, []]));
    if (!ids.length) return map;
    for (const r of await em.find(UserRole, { where: { userId: In(ids) }, order: { role: 'ASC' } })) map.get(r.userId)?.push(r.role);
    return map;
  }
}
