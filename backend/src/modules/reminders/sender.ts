import { randomBytes } from 'crypto';
import { In, IsNull, type EntityManager } from 'typeorm';
import type { Db } from '../../common/db';
import { maskPhone } from '@lfxj/contracts';
import { Reminder, ReminderLog, SmsDelivery } from './entities';
import { reminderText } from './planner';
import { isSealed, unseal } from '../sms/sealed';
import { SMS_LOCAL_CODES, type SmsCheck, type SmsDriver, type SmsResult } from './sms';
import type { AppConfig } from '../../config/env';
import { HOUR, shanghaiDate } from '../../common/clock';
import { addDays } from '../../common/days';

export interface DrainResult {
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
  cancelled: number;
  /** Left "sending" by a dead sender and found with the provider: marked sent, not sent again. */
  confirmed: number;
  /** Left "sending" by a dead sender and unknown to the provider: queued again. */
  requeued: number;
}

const empty = (): DrainResult => ({ sent: 0, retried: 0, failed: 0, deferred: 0, cancelled: 0, confirmed: 0, requeued: 0 });

/** A message in doubt whose fate the provider cannot tell for this long is left to a person (never re-sent blind). */
const GIVE_UP_CHECKING = 24 * HOUR;
/** The provider may date a message a little after we called (clocks, queues): near midnight the next day is asked too. */
const NEAR_MIDNIGHT = 10 * 60_000;

/** Asia/Shanghai hour of an instant (no daylight saving there). */
const shanghaiHour = (d: Date) => (d.getUTCHours() + 8) % 24;

/** Our reference for one provider call (Aliyun's OutId): unique, short, no personal data. */
export const newOutId = () => `lfxj-${randomBytes(9).toString('hex')}`;

/** What a row stands for: a digest counts the reminders folded into it, anything else itself. */
function standsFor(r: Reminder): number {
  if (r.kind !== 'digest') return 1;
  const count = Number((JSON.parse(r.params) as { count?: string }).count);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/**
 * Drains the outbox. Rows are claimed before sending (FOR UPDATE SKIP LOCKED on MySQL/MariaDB,
 * one claimer under a lease on SQLite), so N instances send each message once. Before each
 * provider call the claim is renewed and the call's OutId written to the row; a row a dead
 * sender left "sending" is then checked with the provider (QuerySendDetails) and only re-sent
 * when the provider has no such message. Failures are retried with backoff; quiet hours and a
 * daily cap per recipient (counting deliveries) are kept; several messages due for one person
 * go out as one digest.
 */
export class OutboxSender {
  private readonly claimFor: number;
  /** The instance part of the claimer: a claim of this instance by another process is a dead predecessor's. */
  private readonly instance: string;

  constructor(
    private readonly db: Db,
    private readonly driver: SmsDriver,
    private readonly cfg: AppConfig,
    private readonly claimer: string,
  ) {
    this.claimFor = cfg.sms.claimSeconds * 1000;
    this.instance = claimer.includes('#') ? claimer.slice(0, claimer.indexOf('#')) : '';
  }

  private get mysql(): boolean {
    return this.db.isMysql;
  }

  private log(em: EntityManager, rows: Array<{ id: number }>, event: string, now: Date, code: string | null = null, detail: string | null = null, providerId: string | null = null) {
    return rows.length ? em.insert(ReminderLog, rows.map((r) => ({ reminderId: r.id, event, code, detail, providerId, at: now }))) : Promise.resolve();
  }

  /** The end of the quiet period an instant falls in, or null when it is not quiet. */
  quietUntil(now: Date): Date | null {
    const { quietFromHour: from, quietToHour: to } = this.cfg.reminders;
    const h = shanghaiHour(now);
    const quiet = from > to ? h >= from || h < to : h >= from && h < to;
    if (!quiet) return null;
    const day = h >= to && from > to ? shanghaiDate(new Date(now.getTime() + 24 * HOUR)) : shanghaiDate(now);
    return new Date(`${day}T${String(to).padStart(2, '0')}:00:00+08:00`);
  }

  async drain(now: Date, batch = 100): Promise<DrainResult> {
    const result = empty();
    await this.resolveInDoubt(now, result);
    result.cancelled = await this.housekeeping(now);
    const morning = this.quietUntil(now);
    // Account messages (a temporary password someone is waiting for) ignore quiet hours, the
    // daily cap and digests; reminders keep all three.
    if (morning) result.deferred = await this.defer(now, morning, 'QUIET_HOURS', '夜间免打扰，次日早上发送');
    const claimed = await this.claim(now, batch, !!morning);
    if (!claimed.length) return result;
    for (const r of claimed.filter((c) => c.kind === 'account')) await this.sendSingle(r, now, result);

    // Per recipient: the daily cap, then one digest for several messages.
    const byPhone = new Map<string, Reminder[]>();
    for (const r of claimed.filter((c) => c.kind !== 'account')) byPhone.set(r.phone!, [...(byPhone.get(r.phone!) ?? []), r]);
    const startOfDay = new Date(`${shanghaiDate(now)}T00:00:00+08:00`);
    const singles: Reminder[] = [];
    const digests: Reminder[] = [];
    if (byPhone.size) {
      await this.db.transaction(async (em) => {
        const delivered = await this.deliveredSince(em, [...byPhone.keys()], startOfDay);
        for (const [phone, rows] of byPhone) {
          if ((delivered.get(phone) ?? 0) >= this.cfg.reminders.dailyCap) {
            const tomorrow = new Date(`${shanghaiDate(new Date(now.getTime() + 24 * HOUR))}T${String(this.cfg.reminders.quietToHour).padStart(2, '0')}:00:00+08:00`);
            await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, { status: 'pending', claimedBy: null, claimedUntil: null, claimedAt: null, nextAttemptAt: tomorrow });
            await this.log(em, rows, 'deferred', now, 'DAILY_CAP', `已达每日 ${this.cfg.reminders.dailyCap} 条上限`);
            result.deferred += rows.length;
            continue;
          }
          if (rows.length === 1) {
            singles.push(rows[0]);
            continue;
          }
          // A digest that failed earlier and is folded again counts the reminders behind it, not 1.
          const params = { count: String(rows.reduce((n, r) => n + standsFor(r), 0)) };
          const digest = em.create(Reminder, {
            dedupeKey: `digest:${rows.map((r) => r.id).join(',')}`.slice(0, 191), kind: 'digest', channel: 'sms', taskId: null, caseId: null,
            orgId: rows[0].orgId, userId: rows[0].userId, phone, templateCode: this.cfg.reminders.templates.digest, params: JSON.stringify(params),
            text: reminderText('digest', params), status: 'sending', attempts: 0, nextAttemptAt: now, claimedBy: this.claimer,
            claimedUntil: new Date(now.getTime() + this.claimFor), claimedAt: now, outId: null,
          });
          await em.save(digest);
          await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, { status: 'digested', digestId: digest.id, claimedBy: null, claimedUntil: null });
          await this.log(em, rows, 'digested', now, null, `并入汇总短信 #${digest.id}`);
          await this.log(em, [digest], 'queued', now);
          digests.push(digest);
        }
      });
    }

    for (const r of singles) await this.sendSingle(r, now, result);
    // Digests share one template, so up to 100 go in one SendBatchSms call (one OutId for the call).
    for (let i = 0; i < digests.length; i += 100) {
      const outId = newOutId();
      const chunk = await this.fence(digests.slice(i, i + 100), outId, now);
      if (!chunk.length) continue;
      const outcome = chunk.length === 1
        ? await this.safeSend(() => this.driver.send({ phone: chunk[0].phone!, templateCode: chunk[0].templateCode!, params: JSON.parse(chunk[0].params), text: chunk[0].text, outId }))
        : await this.safeSend(() => this.driver.sendBatch(this.cfg.reminders.templates.digest, chunk.map((d) => ({ phone: d.phone!, params: JSON.parse(d.params), text: d.text })), outId));
      for (const d of chunk) await this.record(d, outId, outcome, now, result, chunk.length === 1 ? 'send' : 'batch');
    }
    return result;
  }

  /**
   * Send one outbox row at once (an account message right after its transaction committed).
   * The conditional claim means a drain running at the same moment cannot send it too.
   */
  async sendNow(id: number, now: Date): Promise<DrainResult> {
    const result = empty();
    const row = await this.db.transaction(async (em) => {
      const claimed = await em.update(Reminder, { id, status: 'pending', channel: 'sms' }, {
        status: 'sending', claimedBy: this.claimer, claimedUntil: new Date(now.getTime() + this.claimFor), claimedAt: now, outId: null,
      });
      if (!claimed.affected) return null;
      await this.log(em, [{ id }], 'claimed', now, null, this.claimer);
      return em.findOneByOrFail(Reminder, { id });
    });
    if (row) await this.sendSingle(row, now, result);
    return result;
  }

  private async sendSingle(r: Reminder, now: Date, result: DrainResult): Promise<void> {
    const outId = newOutId();
    let message: ReturnType<OutboxSender['messageOf']>;
    try {
      message = this.messageOf(r);
    } catch {
      // Sealed under another server secret (or altered): it can never be read, so never sent.
      const unreadable = { ok: false, providerId: null, code: 'SEALED_UNREADABLE', message: '短信内容无法解密（服务器密钥已更换或内容被改动），未发送', retryable: false };
      await this.record(r, outId, unreadable, now, result, 'send');
      return;
    }
    if (!(await this.fence([r], outId, now)).length) return;
    await this.record(r, outId, await this.safeSend(() => this.driver.send({ phone: r.phone!, templateCode: r.templateCode!, ...message, outId })), now, result, 'send');
  }

  /**
   * Just before the provider call: renew the claim and write the call's OutId on the rows that
   * are still ours. From here on a crash leaves the rows "sending" with an OutId, and whoever
   * finds them asks the provider before anything is sent again.
   */
  private async fence(rows: Reminder[], outId: string, now: Date): Promise<Reminder[]> {
    if (!rows.length) return [];
    const claimedUntil = new Date(now.getTime() + this.claimFor);
    const ours = await this.db.transaction(async (em) => {
      const ids = rows.map((r) => r.id);
      await em.update(Reminder, { id: In(ids), status: 'sending', claimedBy: this.claimer }, { outId, claimedAt: now, claimedUntil });
      return (await em.find(Reminder, { where: { id: In(ids), outId, status: 'sending' }, select: { id: true } })).map((r) => r.id);
    });
    const kept = new Set(ours);
    return rows.filter((r) => kept.has(r.id)).map((r) => Object.assign(r, { outId, claimedAt: now, claimedUntil }));
  }

  /** The parameters and text to send; an account message's were sealed while it waited. */
  private messageOf(r: Reminder): { params: Record<string, string>; text: string; secrets?: string[] } {
    if (!isSealed(r.params)) return { params: JSON.parse(r.params) as Record<string, string>, text: r.text };
    const open = JSON.parse(unseal(this.cfg.jwtSecret, r.params)) as { params: Record<string, string>; text: string; secrets: string[] };
    return { params: open.params, text: open.text, secrets: open.secrets.map((k) => open.params[k]).filter(Boolean) };
  }

  /** A driver that throws is treated like a provider whose answer was lost (it may have sent). */
  private async safeSend(send: () => Promise<SmsResult>): Promise<SmsResult> {
    try {
      return await send();
    } catch (err) {
      return {
        ok: false, providerId: null, code: 'DRIVER_ERROR', message: err instanceof Error ? err.message.slice(0, 200) : '发送异常', retryable: true, uncertain: true,
      };
    }
  }

  /** Messages the provider accepted for these numbers since `since`, whichever path sent them. */
  private async deliveredSince(em: EntityManager, phones: string[], since: Date): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let i = 0; i < phones.length; i += 500) {
      const rows = await em.createQueryBuilder(SmsDelivery, 'd').select('d.phone', 'phone').addSelect('COUNT(*)', 'n')
        .where('d.phone IN (:...phones) AND d.at >= :since', { phones: phones.slice(i, i + 500), since }).groupBy('d.phone')
        .getRawMany<{ phone: string; n: number | string }>();
      for (const r of rows) counts.set(r.phone, Number(r.n));
    }
    return counts;
  }

  /** One delivery per message the provider accepted; the unique (OutId, number) keeps a confirmation from counting it twice. */
  private async delivered(em: EntityManager, r: Reminder, outId: string, providerId: string | null, via: SmsDelivery['via'], at: Date): Promise<void> {
    await em.createQueryBuilder().insert().into(SmsDelivery).values({ reminderId: r.id, phone: r.phone!, outId, providerId, via, at }).orIgnore().execute();
  }

  private async record(r: Reminder, outId: string, outcome: SmsResult, now: Date, result: DrainResult, via: 'send' | 'batch'): Promise<void> {
    const attempts = r.attempts + 1;
    await this.db.transaction(async (em) => {
      // A sealed secret is erased once it went out or will never go out.
      const erase = isSealed(r.params) ? { params: '{}' } : {};
      if (outcome.ok) {
        await em.update(Reminder, { id: r.id }, { status: 'sent', attempts, providerId: outcome.providerId, lastCode: outcome.code, lastError: null, sentAt: now, claimedBy: null, claimedUntil: null, ...erase });
        await this.delivered(em, r, outId, outcome.providerId, via, now);
        await this.log(em, [r], 'sent', now, outcome.code, maskPhone(r.phone), outcome.providerId);
        result.sent++;
      } else if (outcome.uncertain) {
        // It may have gone out: the row stays "sending" with its OutId and is checked with the
        // provider once the provider's records have caught up, never sent again blind.
        await em.update(Reminder, { id: r.id }, { attempts, lastCode: outcome.code, lastError: outcome.message.slice(0, 300), claimedUntil: new Date(now.getTime() + this.backoff(attempts)) });
        await this.log(em, [r], 'uncertain', now, outcome.code, outcome.message.slice(0, 300));
        result.retried++;
      } else if (outcome.retryable && attempts < this.cfg.reminders.maxAttempts) {
        await em.update(Reminder, { id: r.id }, { status: 'pending', attempts, lastCode: outcome.code, lastError: outcome.message.slice(0, 300), nextAttemptAt: new Date(now.getTime() + this.backoff(attempts)), claimedBy: null, claimedUntil: null });
        await this.log(em, [r], 'retry', now, outcome.code, outcome.message.slice(0, 300));
        result.retried++;
      } else {
        await em.update(Reminder, { id: r.id }, { status: 'failed', attempts, lastCode: outcome.code, lastError: outcome.message.slice(0, 300), claimedBy: null, claimedUntil: null, ...erase });
        await this.log(em, [r], 'failed', now, outcome.code, outcome.message.slice(0, 300));
        result.failed++;
      }
    });
  }

  private backoff(attempts: number): number {
    return Math.min(3600, this.cfg.reminders.backoffSeconds * 2 ** (attempts - 1)) * 1000;
  }

  /**
   * Rows left "sending": by a sender whose claim ran out (it died, or stalls), by a dead earlier
   * process of this same instance (at once, no need to wait for the claim), or after an answer
   * that left the outcome open. Without an OutId the provider was never called: queued again.
   * With one, the provider is asked (outside any transaction): found → sent, with a delivery;
   * not found → queued again; cannot tell → asked again later, and after a day left to a person.
   */
  private async resolveInDoubt(now: Date, result: DrainResult): Promise<void> {
    const prefix = `${this.instance.replace(/[!%_]/g, (c) => `!${c}`)}#%`;
    const stuck = await this.db.read((em) => {
      const qb = em.createQueryBuilder(Reminder, 'r').where("r.status = 'sending'");
      if (this.instance) {
        qb.andWhere("(r.claimed_until < :now OR (r.claimed_by LIKE :prefix ESCAPE '!' AND r.claimed_by <> :me))", { now, prefix, me: this.claimer });
      } else {
        qb.andWhere('r.claimed_until < :now', { now });
      }
      return qb.orderBy('r.id', 'ASC').limit(100).getMany();
    });
    if (!stuck.length) return;
    const neverCalled = stuck.filter((r) => !r.outId);
    if (neverCalled.length) {
      await this.db.transaction(async (em) => {
        const ids = neverCalled.map((r) => r.id);
        await em.update(Reminder, { id: In(ids), status: 'sending', outId: IsNull() }, { status: 'pending', claimedBy: null, claimedUntil: null, claimedAt: null });
        await this.log(em, neverCalled, 'reclaimed', now, null, '发送实例在调用服务商之前中断，重新排队');
      });
      result.requeued += neverCalled.length;
    }
    for (const r of stuck.filter((s) => s.outId)) {
      const since = r.claimedAt ?? r.createdAt;
      const days = [shanghaiDate(since)];
      if (shanghaiDate(new Date(since.getTime() + NEAR_MIDNIGHT)) !== days[0]) days.push(addDays(days[0], 1));
      const check: SmsCheck = await this.driver.query({ phone: r.phone!, outId: r.outId!, days }).catch((err: unknown) => ({
        state: 'unknown' as const, final: false, code: 'DRIVER_ERROR', message: err instanceof Error ? err.message.slice(0, 200) : '查询异常',
      }));
      await this.settle(r, check, now, since, result);
    }
  }

  /** Apply what the provider said about a message in doubt (only if nobody else settled it meanwhile). */
  private async settle(r: Reminder, check: SmsCheck, now: Date, since: Date, result: DrainResult): Promise<void> {
    await this.db.transaction(async (em) => {
      const same = { id: r.id, status: 'sending' as const, outId: r.outId! };
      const erase = isSealed(r.params) ? { params: '{}' } : {};
      if (check.state === 'sent') {
        const at = check.at ?? now;
        const done = await em.update(Reminder, same, {
          status: 'sent', providerId: check.providerId, lastCode: 'OK', lastError: null, sentAt: at, claimedBy: null, claimedUntil: null, ...erase,
        });
        if (!done.affected) return;
        await this.delivered(em, r, r.outId!, check.providerId, 'confirmed', at);
        await this.log(em, [r], 'confirmed', now, 'OK', `${check.detail}，不再重发`.slice(0, 300), check.providerId);
        result.confirmed++;
      } else if (check.state === 'not_sent') {
        const done = await em.update(Reminder, same, { status: 'pending', nextAttemptAt: now, claimedBy: null, claimedUntil: null, claimedAt: null, outId: null });
        if (!done.affected) return;
        await this.log(em, [r], 'reclaimed', now, null, `服务商没有 OutId ${r.outId} 的发送记录，重新排队`);
        result.requeued++;
      } else if (check.final || now.getTime() - since.getTime() > GIVE_UP_CHECKING) {
        const message = `无法确认是否已发出（${check.message}），为免重复不再自动重发；如需要请核实后在短信发件箱重新发送`.slice(0, 300);
        const done = await em.update(Reminder, same, { status: 'failed', lastCode: SMS_LOCAL_CODES.UNKNOWN_SEND, lastError: message, claimedBy: null, claimedUntil: null, ...erase });
        if (!done.affected) return;
        await this.log(em, [r], 'unconfirmed', now, check.code, message);
        result.failed++;
      } else {
        // Ask again later, waiting longer the longer it has been in doubt (at most an hour).
        const wait = Math.min(HOUR, Math.max(this.cfg.reminders.backoffSeconds * 1000, (now.getTime() - since.getTime()) / 2));
        const done = await em.update(Reminder, same, { claimedUntil: new Date(now.getTime() + wait), lastCode: check.code, lastError: check.message.slice(0, 300) });
        if (!done.affected) return;
        await this.log(em, [r], 'check_later', now, check.code, check.message.slice(0, 300));
      }
    });
  }

  /** Claim due SMS rows; another instance skips the rows this one has locked. */
  private async claim(now: Date, batch: number, accountOnly: boolean): Promise<Reminder[]> {
    return this.db.transaction(async (em) => {
      const qb = em.createQueryBuilder(Reminder, 'r').where("r.status = 'pending' AND r.channel = 'sms' AND r.next_attempt_at <= :now", { now })
        .orderBy('r.id', 'ASC').limit(batch);
      if (accountOnly) qb.andWhere("r.kind = 'account'");
      if (this.mysql) qb.setLock('pessimistic_write').setOnLocked('skip_locked');
      const rows = await qb.getMany();
      if (!rows.length) return [];
      const claim = { status: 'sending' as const, claimedBy: this.claimer, claimedUntil: new Date(now.getTime() + this.claimFor), claimedAt: now, outId: null };
      await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, claim);
      await this.log(em, rows, 'claimed', now, null, this.claimer);
      return rows.map((r) => Object.assign(r, claim));
    });
  }

  private async defer(now: Date, until: Date, code: string, detail: string): Promise<number> {
    return this.db.transaction(async (em) => {
      const qb = em.createQueryBuilder(Reminder, 'r').where("r.status = 'pending' AND r.channel = 'sms' AND r.kind <> 'account' AND r.next_attempt_at <= :now", { now });
      if (this.mysql) qb.setLock('pessimistic_write').setOnLocked('skip_locked');
      const rows = await qb.getMany();
      if (!rows.length) return 0;
      await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, { nextAttemptAt: until });
      await this.log(em, rows, 'deferred', now, code, detail);
      return rows.length;
    });
  }

  /** Reminders of finished tasks and of people who left are cancelled (people who left never receive SMS). */
  private async housekeeping(now: Date): Promise<number> {
    return this.db.transaction(async (em) => {
      // NOT EXISTS: one primary-key look-up per pending row, never a list of every open task.
      const stale = await em.createQueryBuilder(Reminder, 'r').where("r.status = 'pending'")
        .andWhere("((r.task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_task t WHERE t.id = r.task_id AND t.status = 'open'))"
          + " OR (r.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = r.user_id AND u.status = 'active')))").getMany();
      if (!stale.length) return 0;
      await em.update(Reminder, { id: In(stale.map((r) => r.id)) }, { status: 'cancelled' });
      await this.log(em, stale, 'cancelled', now, null, '待办已办结或收件人已离岗');
      return stale.length;
    });
  }
}
