import { Provide, Scope, ScopeEnum, Config, Init, Inject } from '@midwayjs/core';
import { randomUUID } from 'crypto';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/env';
import { Db } from '../../common/db';
import { Clock } from '../../common/clock';
import { ConsoleSmsDriver, AliyunSmsDriver, type SmsDriver } from '../reminders/sms';
import { Reminder, ReminderLog } from '../reminders/entities';
import { OutboxSender } from '../reminders/sender';
import { seal } from './sealed';
import { LeaseService } from '../platform/lease.service';

export interface AccountMessage {
  userId: number | null;
  orgId: number | null;
  phone: string;
  params: Record<string, string>;
  /** Parameter names holding secrets: sealed while queued, erased once sent, masked in the stored text. */
  secrets?: string[];
  render: (params: Record<string, string>) => string;
  /** Set to send a message at most once (e.g. one sign-in alert per account and hour). */
  dedupeKey?: string;
}

/**
 * The platform's one SMS driver: console (default: printed with the number masked, the last
 * messages kept in memory) or Aliyun. Every message goes through the outbox: reminders from
 * the deadline scan, account messages (temporary passwords, sign-in alerts) queued in the
 * transaction that needs them and sent right after it commits, never from inside it.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class SmsService {
  @Config('app') private cfg: AppConfig;
  @Inject() private db: Db;
  @Inject() private clock: Clock;
  @Inject() private lease: LeaseService;
  driver: SmsDriver;

  @Init()
  init() {
    const sms = this.cfg.sms;
    // The provider call ends well within the claim, so a live sender is never taken for a dead one.
    const timeoutMs = Math.min(10_000, sms.claimSeconds * 250);
    this.driver = sms.driver === 'aliyun' ? new AliyunSmsDriver({ ...sms.aliyun, signName: sms.signName, timeoutMs }) : new ConsoleSmsDriver();
  }

  /** What the console driver printed (for developers and tests); empty with a real provider. */
  get recent(): Array<{ phone: string; text: string }> {
    return this.driver instanceof ConsoleSmsDriver ? this.driver.sent : [];
  }

  /**
   * Queue an account message in the caller's transaction. It is sent as soon as that
   * transaction commits; if the provider fails then, the outbox sender retries it.
   */
  async queueAccountMessage(em: EntityManager, msg: AccountMessage): Promise<Reminder> {
    const now = this.clock.now();
    const secrets = msg.secrets ?? [];
    const masked = Object.fromEntries(Object.entries(msg.params).map(([k, v]) => [k, secrets.includes(k) ? '******' : v]));
    const params = secrets.length
      ? seal(this.cfg.jwtSecret, JSON.stringify({ params: msg.params, text: msg.render(msg.params), secrets }))
      : JSON.stringify(msg.params);
    const row = await em.save(em.create(Reminder, {
      dedupeKey: msg.dedupeKey ?? `account:${randomUUID()}`, kind: 'account', channel: 'sms', taskId: null, caseId: null,
      orgId: msg.orgId, userId: msg.userId, phone: msg.phone, templateCode: this.cfg.reminders.templates.account, params,
      text: msg.render(masked).slice(0, 500), status: 'pending', attempts: 0, nextAttemptAt: now,
    }));
    await em.insert(ReminderLog, { reminderId: row.id, event: 'queued', code: null, detail: null, providerId: null, at: now });
    this.db.afterCommit(em, () => this.sender().sendNow(row.id, this.clock.now()));
    return row;
  }

  /** The outbox sender of this process (claims as `<instance>#<process>`). */
  sender(): OutboxSender {
    return new OutboxSender(this.db, this.driver, this.cfg, this.lease.claimer);
  }
}
