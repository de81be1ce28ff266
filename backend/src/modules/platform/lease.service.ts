import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { randomUUID } from 'crypto';
import { Lease } from './entities';
import { Clock } from '../../common/clock';
import { Db } from '../../common/db';

/** Expiring named leases in the database: with N instances, one does each piece of background work. */
@Provide()
@Scope(ScopeEnum.Singleton)
export class LeaseService {
  @Inject() private db: Db;
  @Inject() private clock: Clock;
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;

  /** Take or renew the lease; false when another live instance holds it. */
  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    return this.db.transaction(async (em) => {
      const taken = await em.createQueryBuilder().update(Lease).set({ holder: this.holder, expiresAt })
        .where('name = :name AND (holder = :holder OR expires_at < :now)', { name, holder: this.holder, now }).execute();
      if (taken.affected) return true;
      if (await em.findOne(Lease, { where: { name } })) return false;
      await em.insert(Lease, { name, holder: this.holder, expiresAt });
      return true;
    }).catch(() => false); // lost a race to insert the first row: someone else holds it
  }
}
