import { Provide, Scope, ScopeEnum, Inject, Config, Init } from '@midwayjs/core';
import { randomUUID } from 'crypto';
import { In, type EntityManager } from 'typeorm';
import { maskPhone } from '@lfxj/contracts';
import type { AppConfig } from '../../config/env';
import { Db } from '../../common/db';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/app-error';
import { LeaseService } from '../platform/lease.service';
import { DeadlinesService } from '../deadlines/deadlines.service';
import { ReminderPlanner, reminderText } from './planner';
import { OutboxSender, type DrainResult } from './sender';
import { Reminder, ReminderLog, SmsPreference, type ReminderKind } from './entities';
import type { SmsDriver } from './sms';
import { SmsService } from '../sms/sms.service';

const CHOOSABLE: ReminderKind[] = ['new_task', 'due_soon', 'overdue', 'escalation'];

/**
 * Reminders: the deadline scan writes the outbox, the sender drains it. Both run from cron
 * jobs; the scan (and, on SQLite, the sender) under a lease so several instances do the work once.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class RemindersService {
  @Config('app') private cfg: AppConfig;
  @Inject() private db: Db;
  @Inject() private clock: Clock;
  @Inject() private lease: LeaseService;
  @Inject() private deadlines: DeadlinesService;
  @Inject() private sms: SmsService;
  private planner: ReminderPlanner;

  @Init()
  init() {
    this.planner = new ReminderPlanner(this.cfg);
  }

  get driver(): SmsDriver {
    return this.sms.driver;
  }

  /** One pass of the deadline scan, if this instance holds the lease. */
  async scan(): Promise<number> {
    if (!(await this.lease.acquire('reminder-scan', 5 * 60_000))) return 0;
    const now = this.clock.now();
    return this.db.transaction(async (em) => this.planner.scan(em, now, await this.deadlines.calendar(em)));
  }

  /** One pass of the sender. On SQLite (one connection, no SKIP LOCKED) only the lease holder sends. */
  async drain(): Promise<DrainResult | null> {
    if (!this.db.isMysql && !(await this.lease.acquire('reminder-send', 5 * 60_000))) return null;
    return new OutboxSender(this.db, this.driver, this.cfg, this.lease.holder).drain(this.clock.now());
  }

  /** A finished task's pending reminders are cancelled in the same transaction. */
  async cancelForTasks(em: EntityManager, taskIds: number[], now: Date): Promise<void> {
    if (!taskIds.length) return;
    const pending = await em.find(Reminder, { where: { taskId: In(taskIds), status: 'pending' }, select: { id: true } });
    if (!pending.length) return;
    await em.update(Reminder, { id: In(pending.map((r) => r.id)) }, { status: 'cancelled' });
    await em.insert(ReminderLog, pending.map((r) => ({ reminderId: r.id, event: 'cancelled', code: null, detail: '待办已办结', providerId: null, at: now })));
  }

  async view(em: EntityManager, rows: Reminder[]) {
    const logs = rows.length ? await em.find(ReminderLog, { where: { reminderId: In(rows.map((r) => r.id)) }, order: { id: 'ASC' } }) : [];
    return rows.map((r) => ({
      id: r.id, kind: r.kind, channel: r.channel, status: r.status, phoneMasked: maskPhone(r.phone), text: r.text, attempts: r.attempts,
      nextAttemptAt: r.nextAttemptAt.toISOString(), providerId: r.providerId, lastCode: r.lastCode, lastError: r.lastError,
      sentAt: r.sentAt?.toISOString() ?? null, createdAt: r.createdAt.toISOString(),
      log: logs.filter((l) => l.reminderId === r.id).map((l) => ({ event: l.event, code: l.code, detail: l.detail, providerId: l.providerId, at: l.at.toISOString() })),
    }));
  }

  async outbox(em: EntityManager, q: { page: number; pageSize: number; status?: Reminder['status'] }) {
    const qb = em.createQueryBuilder(Reminder, 'r').where("r.channel = 'sms'");
    if (q.status) qb.andWhere('r.status = :status', { status: q.status });
    const [rows, total] = await qb.orderBy('r.id', 'DESC').skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    const counts = await em.createQueryBuilder(Reminder, 'r').select('r.status', 'status').addSelect('COUNT(*)', 'n')
      .where("r.channel = 'sms'").groupBy('r.status').getRawMany<{ status: string; n: number }>();
    return { items: await this.view(em, rows), total, page: q.page, pageSize: q.pageSize, counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) };
  }

  async resend(em: EntityManager, id: number): Promise<void> {
    const row = await em.findOneBy(Reminder, { id });
    if (!row || row.channel !== 'sms') throw new AppError('NOT_FOUND', `短信不存在（编号 ${id}）`, { field: 'id' });
    if (row.status !== 'failed') throw new AppError('CONFLICT', '只有发送失败的短信可以重新发送');
    const now = this.clock.now();
    await em.update(Reminder, { id }, { status: 'pending', attempts: 0, nextAttemptAt: now });
    await em.insert(ReminderLog, { reminderId: id, event: 'queued', code: null, detail: '管理员重新发送', providerId: null, at: now });
  }

  /** A test message goes straight through the driver and is recorded like any other. */
  async testSms(em: EntityManager, phone: string) {
    const now = this.clock.now();
    const params = {};
    const text = reminderText('test', params);
    const outcome = await this.driver.send({ phone, templateCode: this.cfg.reminders.templates.test, params, text });
    const row = await em.save(em.create(Reminder, {
      dedupeKey: `test:${randomUUID()}`, kind: 'test', channel: 'sms', taskId: null, caseId: null, orgId: null, userId: null, phone,
      templateCode: this.cfg.reminders.templates.test, params: '{}', text, status: outcome.ok ? 'sent' : 'failed', attempts: 1, nextAttemptAt: now,
      providerId: outcome.providerId, lastCode: outcome.code, lastError: outcome.ok ? null : outcome.message.slice(0, 300), sentAt: outcome.ok ? now : null,
    }));
    await em.insert(ReminderLog, { reminderId: row.id, event: outcome.ok ? 'sent' : 'failed', code: outcome.code, detail: maskPhone(phone), providerId: outcome.providerId, at: now });
    return (await this.view(em, [row]))[0];
  }

  async preferences(em: EntityManager, userId: number): Promise<Record<string, boolean>> {
    const off = new Set((await em.find(SmsPreference, { where: { userId, enabled: false } })).map((p) => p.kind));
    return Object.fromEntries(CHOOSABLE.map((k) => [k, !off.has(k)]));
  }

  async setPreferences(em: EntityManager, userId: number, input: Partial<Record<ReminderKind, boolean>>): Promise<Record<string, boolean>> {
    for (const [kind, enabled] of Object.entries(input) as Array<[ReminderKind, boolean | undefined]>) {
      if (enabled === undefined) continue;
      await em.delete(SmsPreference, { userId, kind });
      await em.insert(SmsPreference, { userId, kind, enabled });
    }
    return this.preferences(em, userId);
  }
}
