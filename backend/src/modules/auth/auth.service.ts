import { Provide, Scope, ScopeEnum, Inject, Config, ILogger, Logger } from '@midwayjs/core';
import { JwtService } from '@midwayjs/jwt';
import type { Context } from '@midwayjs/koa';
import * as bcrypt from 'bcryptjs';
import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'crypto';
import { In, IsNull, type EntityManager } from 'typeorm';
import { passwordProblems, type Role, type TokenPair } from '@lfxj/contracts';
import type { AppConfig } from '../../config/env';
import { AppError } from '../../common/app-error';
import { Clock, MINUTE, HOUR, shanghaiMinute } from '../../common/clock';
import { Db } from '../../common/db';
import { User, UserRole, PasswordHistory } from '../users/entities';
import { UserSession, RefreshToken } from './entities';
import { SessionCache, type ResolvedSession } from './session-cache';
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
/** The one algorithm access tokens are signed with; verification accepts no other (no "none", no RSA/HMAC confusion). */
const JWT_ALGORITHM = 'HS256';

/**
 * The session, its user and the user's roles in one statement (a row per role), with only what
 * a request needs: never the password hash.
 */
const SESSION_SQL = 'SELECT s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, u.id AS found_user_id, u.username, u.display_name, u.org_id, u.status, u.must_change_password, r.role'
  + ' FROM user_session s LEFT JOIN app_user u ON u.id = s.user_id LEFT JOIN user_role r ON r.user_id = s.user_id'
  + ' WHERE s.id = ? ORDER BY r.role';
interface SessionRow {
  user_id: number | string;
  last_seen_at: unknown; expires_at: unknown; revoked_at: unknown;
  found_user_id: number | string | null;
  username: string; display_name: string; org_id: number | string; status: string; must_change_password: unknown;
  role: Role | null;
}

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
  private signingKey?: KeyObject;
  private sessionCache?: SessionCache;

  /** Built once: jsonwebtoken would otherwise parse the secret into a key on every sign and verify. */
  private get key(): KeyObject {
    return (this.signingKey ??= createSecretKey(Buffer.from(this.cfg.jwtSecret, 'utf8')));
  }

  private get cache(): SessionCache {
    return (this.sessionCache ??= new SessionCache(this.cfg.authCacheSeconds * 1000));
  }

  /** The user and, for the password check, its hash: only sign-in and the password change read it. */
  private withPasswordHash(em: EntityManager) {
    return em.createQueryBuilder(User, 'u').addSelect('u.passwordHash');
  }

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
    const found = await this.withPasswordHash(em).where('u.username = :username', { username }).getOne();
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
    const accessToken = this.jwt.signSync({ sub: String(user.id), sid: session.id, iat: nowSec }, this.key, { algorithm: JWT_ALGORITHM, expiresIn: accessExpiresIn });
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
    this.forget(em, () => this.cache.forgetSession(sessionId));
  }

  async revokeAllSessions(em: EntityManager, userId: number, reason: string): Promise<void> {
    await em.update(UserSession, { userId, revokedAt: IsNull() }, { revokedAt: this.clock.now(), revokeReason: reason });
    this.accountChanged(em, userId);
  }

  /**
   * What this instance remembers of the user's sessions (roles, status, organisation, name) is
   * no longer trusted: call it in the transaction that changes any of them.
   */
  accountChanged(em: EntityManager, userId: number): void {
    this.forget(em, () => this.cache.forgetUser(userId));
  }

  /**
   * At once (this request's own later reads), and again once `em` commits: a request that read
   * the old rows between the two must not keep them (SessionCache drops reads that raced a forget).
   * `em` must be a write transaction's (the change is written in it).
   */
  private forget(em: EntityManager, fn: () => void): void {
    fn();
    this.db.afterCommit(em, fn);
  }

  async changePassword(em: EntityManager, auth: AuthUser, oldPassword: string, newPassword: string, clientIp: string | null): Promise<TokenPair> {
    const user = await this.withPasswordHash(em).where('u.id = :id', { id: auth.id }).getOneOrFail();
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

  /**
   * Who is calling: a valid access token of a live, unexpired, recently active session of an
   * active user. The session, user and roles come from one statement, or from this instance's
   * short-lived cache (AUTH_CACHE_SECONDS).
   */
  async authenticate(ctx: Context): Promise<AuthUser> {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED');
    const now = this.clock.now();
    let payload: { sub?: unknown; sid?: unknown };
    try {
      payload = this.jwt.verifySync(match[1], this.key, { algorithms: [JWT_ALGORITHM], clockTimestamp: Math.floor(now.getTime() / 1000) }) as typeof payload;
    } catch {
      throw new AppError('TOKEN_INVALID');
    }
    const { sid, sub } = payload;
    if (typeof sid !== 'string' || typeof sub !== 'string') throw new AppError('TOKEN_INVALID');
    let session = this.cache.get(sid, now);
    // A remembered session that looks idle is asked about again: another instance may have seen it since.
    if (!session || this.idle(session, now)) session = await this.loadSession(sid, sub, now);
    else if (String(session.userId) !== sub || session.expiresAt <= now) throw new AppError('TOKEN_INVALID');
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      // Set first, so concurrent requests of this session on this instance touch it once.
      session.lastSeenAt = now;
      const id = session.sessionId;
      await this.db.transaction((em) => em.update(UserSession, { id }, { lastSeenAt: now }));
    }
    return {
      id: session.userId, username: session.username, displayName: session.displayName, orgId: session.orgId,
      roles: [...session.roles], sessionId: session.sessionId, mustChangePassword: session.mustChangePassword,
    };
  }

  private idle(session: { lastSeenAt: Date }, now: Date): boolean {
    return now.getTime() - session.lastSeenAt.getTime() > this.cfg.idleMinutes * MINUTE;
  }

  /** The session as the database has it; kept in the cache only if it is live and its user active. */
  private async loadSession(sid: string, sub: string, now: Date): Promise<ResolvedSession> {
    const mark = this.cache.mark();
    const found = await this.db.read((em) => this.readSession(em, sid));
    if (!found || String(found.session.userId) !== sub) throw new AppError('TOKEN_INVALID');
    const { session, revokedAt, status } = found;
    if (revokedAt) throw new AppError('SESSION_REVOKED');
    if (session.expiresAt <= now) throw new AppError('TOKEN_INVALID');
    if (this.idle(session, now)) {
      await this.db.transaction((em) => this.revokeSession(em, sid, 'idle'));
      throw new AppError('SESSION_IDLE');
    }
    if (status !== 'active') throw new AppError('ACCOUNT_INACTIVE');
    this.cache.put(mark, session, now);
    return session;
  }

  private async readSession(em: EntityManager, sid: string): Promise<{ session: ResolvedSession; revokedAt: Date | null; status: string | null } | null> {
    const rows = (await em.query(SESSION_SQL, [sid])) as SessionRow[];
    if (!rows.length) return null;
    const [row] = rows;
    // Raw values as each driver returns them (SQLite: text instants, 0/1 booleans) into what the entities hold.
    const { driver } = em.connection;
    const columns = em.connection.getMetadata(UserSession);
    const hydrate = <T>(meta: typeof columns, property: string, value: unknown): T =>
      driver.prepareHydratedValue(value, meta.findColumnWithPropertyName(property)!) as T;
    const session: ResolvedSession = {
      sessionId: sid, userId: Number(row.user_id), username: row.username, displayName: row.display_name, orgId: Number(row.org_id),
      roles: rows.flatMap((r) => (r.role ? [r.role] : [])),
      mustChangePassword: hydrate<boolean>(em.connection.getMetadata(User), 'mustChangePassword', row.must_change_password),
      lastSeenAt: hydrate<Date>(columns, 'lastSeenAt', row.last_seen_at), expiresAt: hydrate<Date>(columns, 'expiresAt', row.expires_at),
    };
    return { session, revokedAt: hydrate<Date | null>(columns, 'revokedAt', row.revoked_at), status: row.found_user_id === null ? null : row.status };
  }

  async usersWithRoles(em: EntityManager, ids: number[]): Promise<Map<number, Role[]>> {
    const map = new Map<number, Role[]>(ids.map((id) => [id, []]));
    if (!ids.length) return map;
    for (const r of await em.find(UserRole, { where: { userId: In(ids) }, order: { role: 'ASC' } })) map.get(r.userId)?.push(r.role);
    return map;
  }
}
