import { Provide, Scope, ScopeEnum, Config } from '@midwayjs/core';
import { createHash } from 'crypto';
import { In, LessThan, type EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/env';
import { AppError } from '../../common/app-error';
import { forUpdate } from '../../common/db';
import { MINUTE } from '../../common/clock';
import { LoginThrottle, type ThrottleScope } from './entities';

/** What a failed attempt left behind, for the answer and for telling the holder. */
export interface FailureOutcome {
  error: AppError;
  /** The account name's hard lock began with this failure and the holder has not been told in this episode. */
  tellHolder: { lockedUntil: Date; episode: Date } | null;
}

/** How many stale rows one failure clears away (rows of names guessed long ago). */
const CLEANUP_BATCH = 50;

/** The name a login counts against: what the person typed, trimmed, in lower case (known or not). */
export const accountKeyName = (username: string) => username.trim().toLowerCase();

const keyOf = (scope: ThrottleScope, subject: string) => createHash('sha256').update(`${scope}:${subject}`).digest('hex');

function waitText(seconds: number): string {
  return seconds < 60 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`;
}

/**
 * Login failure handling (等保 GB/T 22239-2019 8.1.4.1 b: 登录失败处理功能，限制非法登录次数).
 *
 * The one source of truth is `login_throttle`, keyed by the account name as typed (whether or
 * not such an account exists, so the answers never tell which accounts exist) and by the
 * client's address. After a few free failures each further failure doubles a delay during which
 * every attempt answers 429 with Retry-After, without even checking the password; so a stranger
 * can no longer lock someone out with five requests. Failures that go on (LOCK_THRESHOLD within
 * the window, which the delays stretch over most of an hour) hard-lock the account name; the
 * holder is told by SMS once per episode, and an admin's unlock clears it. The address is
 * throttled with delays only: an office's NAT address is shared by many people.
 *
 * Rows hold hashes, not the names typed (people type passwords into the name field).
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class LoginThrottleService {
  @Config('app') private cfg: AppConfig;

  private get rules() {
    return this.cfg.loginThrottle;
  }

  /**
   * The rows of this attempt, locked until the transaction ends: attempts on one account name run
   * one after another, so parallel guesses cannot slip past the count. The account row is created
   * if missing (so even the first attempts serialise); the address row is only locked if it exists.
   */
  async begin(em: EntityManager, accountName: string, address: string | null, now: Date): Promise<{ account: LoginThrottle; address: LoginThrottle | null }> {
    const account = await this.ensureLocked(em, 'account', keyOf('account', accountName), now);
    const addressRow = address ? await this.locked(em, keyOf('address', address)) : null;
    return { account, address: addressRow };
  }

  private locked(em: EntityManager, keyHash: string): Promise<LoginThrottle | null> {
    return forUpdate(em.createQueryBuilder(LoginThrottle, 't').where('t.key_hash = :keyHash', { keyHash })).getOne();
  }

  /**
   * The row, created if missing. An upsert takes the row's exclusive lock at once (INSERT IGNORE
   * would take a shared one first, and two attempts upgrading it would deadlock).
   */
  private async ensureLocked(em: EntityManager, scope: ThrottleScope, keyHash: string, now: Date): Promise<LoginThrottle> {
    await em.createQueryBuilder().insert().into(LoginThrottle)
      .values({ keyHash, scope, failures: 0, windowStartedAt: now, lastFailedAt: now, createdAt: now, updatedAt: now })
      .orUpdate(['updated_at'], ['key_hash']).execute();
    const row = await this.locked(em, keyHash);
    if (!row) throw new Error(`login_throttle ${scope} 行写入后未找到`);
    return row;
  }

  /** Refuse the attempt while a hard lock (423) or a delay (429) is in force; the same words for every name. */
  assertAllowed(rows: { account: LoginThrottle; address: LoginThrottle | null }, now: Date): void {
    const { account, address } = rows;
    if (account.lockedUntil && account.lockedUntil > now) {
      const seconds = this.secondsUntil(account.lockedUntil, now);
      throw new AppError('ACCOUNT_LOCKED', `登录失败次数过多，账号已锁定，请 ${waitText(seconds)}后再试，或联系单位管理员解锁`, {
        lockedUntil: account.lockedUntil.toISOString(), retryAfterSeconds: seconds,
      });
    }
    const blocked = [account.blockedUntil, address?.blockedUntil].filter((d): d is Date => !!d && d > now);
    if (blocked.length) {
      const seconds = Math.max(...blocked.map((d) => this.secondsUntil(d, now)));
      throw new AppError('LOGIN_THROTTLED', `登录失败次数较多，请 ${waitText(seconds)}后再试`, { retryAfterSeconds: seconds });
    }
  }

  /** Count a failure against the account name and the address; the answer depends only on these counts. */
  async recordFailure(em: EntityManager, rows: { account: LoginThrottle; address: LoginThrottle | null }, address: string | null, now: Date): Promise<FailureOutcome> {
    const r = this.rules;
    const account = this.count(rows.account, now, r.windowMinutes, r.freeFailures);
    let tellHolder: FailureOutcome['tellHolder'] = null;
    if (account.failures >= r.lockThreshold) {
      account.lockedUntil = new Date(now.getTime() + r.lockMinutes * MINUTE);
      if (!account.notifiedAt) {
        account.notifiedAt = now;
        tellHolder = { lockedUntil: account.lockedUntil, episode: account.windowStartedAt };
      }
    }
    await em.update(LoginThrottle, { keyHash: account.keyHash }, this.changes(account, now));

    const addressRow = rows.address ?? (address ? await this.ensureLocked(em, 'address', keyOf('address', address), now) : null);
    if (addressRow) {
      this.count(addressRow, now, r.addressWindowMinutes, r.freeFailuresPerAddress);
      await em.update(LoginThrottle, { keyHash: addressRow.keyHash }, this.changes(addressRow, now));
    }
    await this.sweep(em, now);

    if (account.lockedUntil && account.lockedUntil > now) {
      const seconds = this.secondsUntil(account.lockedUntil, now);
      return {
        tellHolder,
        error: new AppError('ACCOUNT_LOCKED', `登录失败次数过多，账号已锁定，请 ${waitText(seconds)}后再试，或联系单位管理员解锁`, {
          lockedUntil: account.lockedUntil.toISOString(), retryAfterSeconds: seconds,
        }),
      };
    }
    const blocked = [account.blockedUntil, addressRow?.blockedUntil].filter((d): d is Date => !!d && d > now);
    if (!blocked.length) return { tellHolder, error: new AppError('INVALID_CREDENTIALS') };
    const seconds = Math.max(...blocked.map((d) => this.secondsUntil(d, now)));
    return { tellHolder, error: new AppError('INVALID_CREDENTIALS', `用户名或密码错误；登录失败次数较多，请 ${waitText(seconds)}后再试`, { retryAfterSeconds: seconds }) };
  }

  /** One more failure on a row: a new episode once the window has passed, then a doubling delay past the free failures. */
  private count(row: LoginThrottle, now: Date, windowMinutes: number, free: number): LoginThrottle {
    const locked = row.lockedUntil && row.lockedUntil > now;
    if (!locked && now.getTime() - row.windowStartedAt.getTime() > windowMinutes * MINUTE) {
      Object.assign(row, { failures: 0, windowStartedAt: now, blockedUntil: null, lockedUntil: null, notifiedAt: null });
    }
    row.failures += 1;
    row.lastFailedAt = now;
    if (row.failures > free) {
      const exponent = Math.min(30, row.failures - free - 1);
      const delay = Math.min(this.rules.maxDelaySeconds, this.rules.delaySeconds * 2 ** exponent);
      row.blockedUntil = new Date(now.getTime() + delay * 1000);
    }
    return row;
  }

  private changes(row: LoginThrottle, now: Date) {
    return {
      failures: row.failures, windowStartedAt: row.windowStartedAt, lastFailedAt: row.lastFailedAt, blockedUntil: row.blockedUntil,
      lockedUntil: row.lockedUntil, notifiedAt: row.notifiedAt, updatedAt: now,
    };
  }

  /** A successful login ends the account name's episode (the address keeps its count: see above). */
  async succeeded(em: EntityManager, accountName: string): Promise<void> {
    await em.delete(LoginThrottle, { keyHash: keyOf('account', accountName) });
  }

  /** An admin's unlock (or password reset): the account name starts afresh. */
  async clear(em: EntityManager, username: string): Promise<void> {
    await em.delete(LoginThrottle, { keyHash: keyOf('account', accountKeyName(username)) });
  }

  /** Hard locks in force, by username (for the admins' user lists). */
  async locksOf(em: EntityManager, usernames: string[], now: Date): Promise<Map<string, Date>> {
    const byKey = new Map(usernames.map((u) => [keyOf('account', accountKeyName(u)), u]));
    const out = new Map<string, Date>();
    if (!byKey.size) return out;
    for (const row of await em.find(LoginThrottle, { where: { keyHash: In([...byKey.keys()]) } })) {
      const username = byKey.get(row.keyHash);
      if (username && row.lockedUntil && row.lockedUntil > now) out.set(username, row.lockedUntil);
    }
    return out;
  }

  /** Rows whose window and locks are long over carry nothing: remove a few with each failure. */
  private async sweep(em: EntityManager, now: Date): Promise<void> {
    const r = this.rules;
    const horizon = new Date(now.getTime() - Math.max(r.windowMinutes, r.addressWindowMinutes, r.lockMinutes, r.maxDelaySeconds / 60) * MINUTE);
    const stale = await em.find(LoginThrottle, { select: { keyHash: true }, where: { lastFailedAt: LessThan(horizon) }, take: CLEANUP_BATCH });
    // The condition again: a row another attempt has just brought back to life stays.
    if (stale.length) await em.delete(LoginThrottle, { keyHash: In(stale.map((s) => s.keyHash)), lastFailedAt: LessThan(horizon) });
  }

  private secondsUntil(until: Date, now: Date): number {
    return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  }
}
