import { Provide, Scope, ScopeEnum, Inject, Config, Init, ILogger, Logger } from '@midwayjs/core';
import { randomBytes } from 'crypto';
import type { EntityManager } from 'typeorm';
import { Lease } from './entities';
import { Clock } from '../../common/clock';
import { Db } from '../../common/db';
import { AppError } from '../../common/app-error';
import type { AppConfig } from '../../config/env';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Expiring named leases in the database: with N instances, one does each piece of background
 * work (the deadline scan, the audit sealer, the SQLite sender).
 *
 * - The holder is the instance's stable name (INSTANCE_ID): a process restarted under the same
 *   name takes its leases back at its first tick instead of waiting for them to expire.
 * - Leases are short (LEASE_TTL_SECONDS) and a heartbeat renews the ones this instance holds,
 *   so after a crash another instance takes over within the expiry.
 * - On shutdown no new work starts, running work is awaited, and the leases are given up, so
 *   another instance takes over at its next tick.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class LeaseService {
  @Inject() private db: Db;
  @Inject() private clock: Clock;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;
  /** This instance's stable name; holder of its leases. */
  holder: string;
  /** This process (`<instance>#<random>`): who claims outbox rows. A claim of the same instance by another process is a dead predecessor's. */
  claimer: string;
  private readonly held = new Set<string>();
  private readonly running = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;

  @Init()
  init(): void {
    this.holder = this.cfg.instanceId;
    this.claimer = `${this.holder}#${randomBytes(4).toString('hex')}`;
  }

  private get ttlMs(): number {
    return this.cfg.lease.ttlSeconds * 1000;
  }

  /** Take or renew the lease; false when another live instance holds it (or this one is shutting down). */
  async acquire(name: string): Promise<boolean> {
    if (this.stopping) return false;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const ok = await this.db.transaction(async (em) => {
      const taken = await em.createQueryBuilder().update(Lease).set({ holder: this.holder, expiresAt })
        .where('name = :name AND (holder = :holder OR expires_at < :now)', { name, holder: this.holder, now }).execute();
      if (taken.affected) return true;
      if (await em.findOne(Lease, { where: { name } })) return false;
      await em.insert(Lease, { name, holder: this.holder, expiresAt });
      return true;
    }).catch((err: unknown) => {
      // A duplicate key: another instance inserted the first row at the same moment and holds it.
      if (!(err instanceof AppError && err.code === 'CONFLICT')) this.logger.warn('租约 %s 获取失败：%s', name, err instanceof Error ? err.message : String(err));
      return false;
    });
    if (ok) {
      this.held.add(name);
      this.startHeartbeat();
    } else {
      this.held.delete(name);
    }
    return ok;
  }

  /**
   * Renew inside the caller's transaction: true while the lease is still this instance's. Work
   * done in pages calls it in each page's transaction, so a page never commits after another
   * instance took the work over.
   */
  async renewIn(em: EntityManager, name: string): Promise<boolean> {
    if (this.stopping) return false;
    const expiresAt = new Date(this.clock.now().getTime() + this.ttlMs);
    const renewed = await em.createQueryBuilder().update(Lease).set({ expiresAt })
      .where('name = :name AND holder = :holder', { name, holder: this.holder }).execute();
    return !!renewed.affected;
  }

  /**
   * Run `work` once at a time in this process and, with `lease` (the default), only while this
   * instance holds the lease of that name. Null when it did not run.
   */
  async exclusive<T>(name: string, work: () => Promise<T>, opts: { lease?: boolean } = {}): Promise<T | null> {
    // A cron tick that comes while the last one still runs is skipped, not run beside it.
    if (this.stopping || this.running.has(name)) return null;
    const run = (async () => {
      if (opts.lease !== false && !(await this.acquire(name))) return null;
      return work();
    })();
    this.running.set(name, run);
    try {
      return await run;
    } finally {
      this.running.delete(name);
    }
  }

  private startHeartbeat(): void {
    if (this.timer || this.stopping) return;
    this.timer = setInterval(() => void this.heartbeat(), this.cfg.lease.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  /** Extend every lease this instance holds; a lease another instance took meanwhile is not touched. */
  async heartbeat(): Promise<number> {
    if (!this.held.size || this.stopping) return 0;
    const expiresAt = new Date(this.clock.now().getTime() + this.ttlMs);
    try {
      const renewed = await this.db.transaction((em) => em.createQueryBuilder().update(Lease).set({ expiresAt })
        .where('holder = :holder', { holder: this.holder }).execute());
      return renewed.affected ?? 0;
    } catch (err) {
      this.logger.warn('租约续期失败（到期后由其他实例接管）：%s', err instanceof Error ? err.message : String(err));
      return 0;
    }
  }

  /** Shutdown: start nothing new, let running work finish (bounded), then give the leases up. */
  async shutdown(waitMs = 15_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running.size) await Promise.race([Promise.allSettled([...this.running.values()]), sleep(waitMs)]);
    if (!this.held.size) return;
    try {
      await this.db.transaction((em) => em.delete(Lease, { holder: this.holder }));
      this.held.clear();
    } catch (err) {
      this.logger.warn('停机时释放租约失败（到期后由其他实例接管）：%s', err instanceof Error ? err.message : String(err));
    }
  }
}
