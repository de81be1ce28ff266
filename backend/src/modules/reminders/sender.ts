import { In, type EntityManager } from 'typeorm';
import type { Db } from '../../common/db';
import { maskPhone } from '@lfxj/contracts';
import { Reminder, ReminderLog } from './entities';
import { reminderText } from './planner';
import { isSealed, unseal } from '../sms/sealed';
import type { SmsDriver, SmsResult } from './sms';
import type { AppConfig } from '../../config/env';
import { HOUR, MINUTE, shanghaiDate } from '../../common/clock';

export interface DrainResult {
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
  cancelled: number;
}

const CLAIM_FOR = 2 * MINUTE;

/** Asia/Shanghai hour of an instant (no daylight saving there). */
const shanghaiHour = (d: Date) => (d.getUTCHours() + 8) % 24;

/**
 * Drains the outbox. Rows are claimed before sending (FOR UPDATE SKIP LOCKED on MySQL/MariaDB,
 * one claimer under a lease on SQLite), so N instances send each message once. Failures are
 * retried with backoff; quiet hours and a daily cap per recipient are kept; several messages
 * due for one person go out as one digest.
 */
export class OutboxSender {
  constructor(
    private readonly db: Db,
    private readonly driver: SmsDriver,
    private readonly cfg: AppConfig,
    private readonly holder: string,
  ) {}

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
    const result: DrainResult = { sent: 0, retried: 0, failed: 0, deferred: 0, cancelled: 0 };
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
    await this.db.transaction(async (em) => {
      for (const [phone, rows] of byPhone) {
        const sentToday = await em.createQueryBuilder(Reminder, 'r').where("r.phone = :phone AND r.channel = 'sms' AND r.status = 'sent' AND r.sent_at >= :start", { phone, start: startOfDay }).getCount();
        if (sentToday >= this.cfg.reminders.dailyCap) {
          const tomorrow = new Date(`${shanghaiDate(new Date(now.getTime() + 24 * HOUR))}T${String(this.cfg.reminders.quietToHour).padStart(2, '0')}:00:00+08:00`);
          await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, { status: 'pending', claimedBy: null, claimedUntil: null, nextAttemptAt: tomorrow });
          await this.log(em, rows, 'deferred', now, 'DAILY_CAP', `已达每日 ${this.cfg.reminders.dailyCap} 条上限`);
          result.deferred += rows.length;
          continue;
        }
        if (rows.length === 1) {
          singles.push(rows[0]);
          continue;
        }
        const params = { count: String(rows.length) };
        const digest = em.create(Reminder, {
          dedupeKey: `digest:${rows.map((r) => r.id).join(',')}`.slice(0, 191), kind: 'digest', channel: 'sms', taskId: null, caseId: null,
          orgId: rows[0].orgId, userId: rows[0].userId, phone, templateCode: this.cfg.reminders.templates.digest, params: JSON.stringify(params),
          text: reminderText('digest', params), status: 'sending', attempts: 0, nextAttemptAt: now, claimedBy: this.holder,
          claimedUntil: new Date(now.getTime() + CLAIM_FOR),
        });
        await em.save(digest);
        await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, { status: 'digested', digestId: digest.id, claimedBy: null });
        await this.log(em, rows, 'digested', now, null, `并入汇总短信 #${digest.id}`);
        await this.log(em, [digest], 'queued', now);
        digests.push(digest);
      }
    });

    for (const r of singles) await this.sendSingle(r, now, result);
    // Digests share one template, so up to 100 go in one SendBatchSms call.
    for (let i = 0; i < digests.length; i += 100) {
      const chunk = digests.slice(i, i + 100);
      const outcome = chunk.length === 1
        ? await this.safeSend(() => this.driver.send({ phone: chunk[0].phone!, templateCode: chunk[0].templateCode!, params: JSON.parse(chunk[0].params), text: chunk[0].text }))
        : await this.safeSend(() => this.driver.sendBatch(this.cfg.reminders.templates.digest, chunk.map((d) => ({ phone: d.phone!, params: JSON.parse(d.params), text: d.text }))));
      for (const d of chunk) await this.record(d, outcome, now, result);
    }
    return result;
  }

  /**
   * Send one outbox row at once (an account message right after its transaction committed).
   * The conditional claim means a drain running at the same moment cannot send it too.
   */
  async sendNow(id: number, now: Date): Promise<DrainResult> {
    const result: DrainResult = { sent: 0, retried: 0, failed: 0, deferred: 0, cancelled: 0 };
    const row = await this.db.transaction(async (em) => {
      const claimed = await em.update(Reminder, { id, status: 'pending', channel: 'sms' }, { status: 'sending', claimedBy: this.holder, claimedUntil: new Date(now.getTime() + CLAIM_FOR) });
      if (!claimed.affected) return null;
      await this.log(em, [{ id }], 'claimed', now, null, this.holder);
      return em.findOneByOrFail(Reminder, { id });
    });
    if (row) await this.sendSingle(row, now, result);
    return result;
  }

  private async sendSingle(r: Reminder, now: Date, result: DrainResult): Promise<void> {
    const message = this.messageOf(r);
    await this.record(r, await this.safeSend(() => this.driver.send({ phone: r.phone!, templateCode: r.templateCode!, ...message })), now, result);
  }

  /** The parameters and text to send; an account message's were sealed while it waited. */
  private messageOf(r: Reminder): { params: Record<string, string>; text: string; secrets?: string[] } {
    if (!isSealed(r.params)) return { params: JSON.parse(r.params) as Record<string, string>, text: r.text };
    const open = JSON.parse(unseal(this.cfg.jwtSecret, r.params)) as { params: Record<string, string>; text: string; secrets: string[] };
    return { params: open.params, text: open.text, secrets: open.secrets.map((k) => open.params[k]).filter(Boolean) };
  }

  /** A driver that throws is treated like a provider that failed for a while. */
  private async safeSend(send: () => Promise<SmsResult>): Promise<SmsResult> {
    try {
      return await send();
    } catch (err) {
      return { ok: false, providerId: null, code: 'DRIVER_ERROR', message: err instanceof Error ? err.message.slice(0, 200) : '发送异常', retryable: true };
    }
  }

  private async record(r: Reminder, outcome: SmsResult, now: Date, result: DrainResult): Promise<void> {
    const attempts = r.attempts + 1;
    await this.db.transaction(async (em) => {
      // A sealed secret is erased once it went out or will never go out.
      const erase = isSealed(r.params) ? { params: '{}' } : {};
      if (outcome.ok) {
        await em.update(Reminder, { id: r.id }, { status: 'sent', attempts, providerId: outcome.providerId, lastCode: outcome.code, lastError: null, sentAt: now, claimedBy: null, claimedUntil: null, ...erase });
        await this.log(em, [r], 'sent', now, outcome.code, maskPhone(r.phone), outcome.providerId);
        result.sent++;
      } else if (outcome.retryable && attempts < this.cfg.reminders.maxAttempts) {
        const wait = Math.min(3600, this.cfg.reminders.backoffSeconds * 2 ** (attempts - 1)) * 1000;
        await em.update(Reminder, { id: r.id }, { status: 'pending', attempts, lastCode: outcome.code, lastError: outcome.message.slice(0, 300), nextAttemptAt: new Date(now.getTime() + wait), claimedBy: null, claimedUntil: null });
        await this.log(em, [r], 'retry', now, outcome.code, outcome.message.slice(0, 300));
        result.retried++;
      } else {
        await em.update(Reminder, { id: r.id }, { status: 'failed', attempts, lastCode: outcome.code, lastError: outcome.message.slice(0, 300), claimedBy: null, claimedUntil: null, ...erase });
        await this.log(em, [r], 'failed', now, outcome.code, outcome.message.slice(0, 300));
        result.failed++;
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
      await em.update(Reminder, { id: In(rows.map((r) => r.id)) }, { status: 'sending', claimedBy: this.holder, claimedUntil: new Date(now.getTime() + CLAIM_FOR) });
      await this.log(em, rows, 'claimed', now, null, this.holder);
      return rows;
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

  /**
   * Claims that outlived their holder go back to the queue; reminders of finished tasks and of
   * people who left are cancelled (people who left never receive SMS).
   */
  private async housekeeping(now: Date): Promise<number> {
    return this.db.transaction(async (em) => {
      const stuck = await em.createQueryBuilder(Reminder, 'r').where("r.status = 'sending' AND r.claimed_until < :now", { now }).getMany();
      if (stuck.length) {
        await em.update(Reminder, { id: In(stuck.map((r) => r.id)) }, { status: 'pending', claimedBy: null, claimedUntil: null });
        await this.log(em, stuck, 'reclaimed', now, null, '发送实例未在期限内完成，重新排队');
      }
      const stale = await em.createQueryBuilder(Reminder, 'r').where("r.status = 'pending'")
        .andWhere("((r.task_id IS NOT NULL AND r.task_id NOT IN (SELECT t.id FROM case_task t WHERE t.status = 'open'))"
          + " OR (r.user_id IS NOT NULL AND r.user_id NOT IN (SELECT u.id FROM app_user u WHERE u.status = 'active')))").getMany();
      if (!stale.length) return 0;
      await em.update(Reminder, { id: In(stale.map((r) => r.id)) }, { status: 'cancelled' });
      await this.log(em, stale, 'cancelled', now, null, '待办已办结或收件人已离岗');
      return stale.length;
    });
  }
}
