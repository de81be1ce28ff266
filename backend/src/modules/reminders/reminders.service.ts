import { Provide, Scope, ScopeEnum, Inject, Config, Init, ILogger, Logger } from '@midwayjs/core';
import { randomUUID } from 'crypto';
import { In, type EntityManager } from 'typeorm';
import { maskPhone } from '@lfxj/contracts';
import type { AppConfig } from '../../config/env';
import { Db } from '../../common/db';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/app-error';
import { LeaseService } from '../platform/lease.service';
import { DeadlinesService } from '../deadlines/deadlines.service';
import { ReminderPlanner, reminderText, type PageResult, type ScanCursor } from './planner';
import { type DrainResult } from './sender';
import { Reminder, ReminderLog, SmsPreference, type ReminderKind } from './entities';
import type { SmsDriver } from './sms';
import { SmsService } from '../sms/sms.service';
import { JobStatusService, SCAN_JOB, SEND_JOB, type PassOutcome } from './job-status';

const CHOOSABLE: ReminderKind[] = ['new_task', 'due_soon', 'overdue', 'escalation'];
export const SCAN_LEASE = SCAN_JOB;
export const SEND_LEASE = SEND_JOB;
/** Single-task failures named one by one in the log per pass; the pass's error line counts the rest. */
const LOGGED_FAILURES = 20;
/**
 * A pass in which this many tasks fail on their own stops: that is no longer a bad task but a
 * broken scan (each failing task costs a few transactions to isolate, and a log line).
 */
const MAX_FAILURES_PER_PASS = 500;

/** What one deadline scan did. */
export interface ScanReport {
  pages: number;
  /** Tasks looked at, and reminder rows written (in-app and SMS). */
  tasks: number;
  written: number;
  /** Tasks whose reminders could not be written this time; the next scan tries them again. */
  failed: number;
  /** Their ids (the first LOGGED_FAILURES: memory stays bounded whatever fails). */
  failedTaskIds: number[];
  /**
   * Why the scan stopped early: another instance took the lease, the database went away, too
   * many tasks failed, or the scan itself failed (`error` says why).
   */
  stopped: 'lease' | 'database' | 'failures' | 'error' | null;
  error?: string;
}

/** The lease was taken over between two pages: stop, the new holder goes on. */
class LeaseLost extends Error {}

/** Task ids for a log line, runs folded: `505-1004,1010`. */
function idRanges(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(',');
}

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
  @Inject() private jobs: JobStatusService;
  @Logger() private logger: ILogger;
  private planner: ReminderPlanner;

  @Init()
  init() {
    this.planner = new ReminderPlanner(this.cfg);
  }

  get driver(): SmsDriver {
    return this.sms.driver;
  }

  /** One pass of the deadline scan, if this instance holds the lease: the number of reminder rows written. */
  async scan(): Promise<number> {
    return (await this.scanReport())?.written ?? 0;
  }

  /**
   * One pass of the deadline scan with what it did; null when another instance holds the lease
   * (or a pass is running). Every pass this instance completes is recorded (job_status); one that
   * failed in part or in whole is logged as an error with its counts, and /health reports it.
   */
  scanReport(): Promise<ScanReport | null> {
    return this.lease.exclusive(SCAN_LEASE, () => this.jobs.pass(SCAN_JOB, () => this.scanPages(), (r) => this.scanOutcome(r)));
  }

  private scanOutcome(r: ScanReport): PassOutcome | null {
    // Taken over between two pages: the new holder's pass is the one that counts.
    if (r.stopped === 'lease') return null;
    const counts = { pages: r.pages, tasks: r.tasks, written: r.written, failed: r.failed };
    const ids = r.failedTaskIds.length ? `待办 ${idRanges(r.failedTaskIds)}${r.failed > r.failedTaskIds.length ? ' 等' : ''}` : '';
    if (r.stopped === 'error' || r.stopped === 'database') return { counts, failure: `扫描中止：${r.error ?? '数据库不可用'}` };
    if (r.stopped === 'failures') return { counts, failure: `失败的待办达到 ${MAX_FAILURES_PER_PASS} 个，扫描中止（${ids}）：${r.error ?? ''}` };
    if (r.failed) return { counts, failure: `${r.failed} 个待办的提醒未能写入，下次扫描重试（${ids}）：${r.error ?? ''}` };
    return { counts };
  }

  /**
   * Keyset pages of the tasks whose next reminder point has come, each in its own short
   * transaction that also renews the lease. A page that fails is retried task by task, so one
   * bad task cannot hold the others back; every failure is logged with the task ids, and those
   * tasks keep their point, so the next scan tries them again.
   */
  private async scanPages(): Promise<ScanReport> {
    const report: ScanReport = { pages: 0, tasks: 0, written: 0, failed: 0, failedTaskIds: [], stopped: null };
    try {
      await this.scanInto(report);
    } catch (err) {
      // Whatever the pages did stays done; the report says how far the pass came and why it stopped.
      report.stopped = err instanceof AppError && err.code === 'DB_UNAVAILABLE' ? 'database' : 'error';
      report.error = err instanceof Error ? err.message : String(err);
    }
    return report;
  }

  private async scanInto(report: ScanReport): Promise<void> {
    const now = this.clock.now();
    const size = this.cfg.reminders.scanPageSize;
    const calendar = await this.db.read((em) => this.deadlines.calendar(em));
    const runPage = (ids: number[]) => this.db.transaction(async (em) => {
      if (!(await this.lease.renewIn(em, SCAN_LEASE))) throw new LeaseLost();
      return this.planner.page(em, ids, now, calendar);
    });
    let after: ScanCursor | null = null;
    for (;;) {
      const cursor: ScanCursor | null = after;
      const page: ScanCursor[] = await this.db.read((em) => this.planner.nextPage(em, now, cursor, size));
      if (!page.length) break;
      after = page[page.length - 1];
      const ids = page.map((p) => p.id);
      try {
        const done = await runPage(ids);
        report.pages++;
        report.tasks += done.tasks;
        report.written += done.written;
      } catch (err) {
        if (err instanceof LeaseLost) {
          this.logger.warn('提醒扫描：租约已由其他实例接管，本实例停止扫描（未处理的待办由接管实例继续）');
          report.stopped = 'lease';
          break;
        }
        const why = err instanceof Error ? err.message : String(err);
        if (err instanceof AppError && err.code === 'DB_UNAVAILABLE') {
          this.logger.error('提醒扫描：数据库不可用，本次扫描中止（待办 %s 留待下次）：%s', idRanges(ids), why);
          report.stopped = 'database';
          report.error = why;
          break;
        }
        this.logger.error('提醒扫描：一页待办写入失败，分开重试（待办 %s）：%s', idRanges(ids), why);
        const half = Math.ceil(ids.length / 2);
        await this.isolate(ids.slice(0, half), runPage, report);
        await this.isolate(ids.slice(half), runPage, report);
        report.pages++;
        if (report.stopped) break;
      }
      if (page.length < size) break;
    }
  }

  /**
   * A failed page is split in halves until the tasks that fail on their own are found (a single
   * bad task costs about 2·log2(page) small transactions, not one per task); the rest are written.
   */
  private async isolate(ids: number[], runPage: (ids: number[]) => Promise<PageResult>, report: ScanReport): Promise<void> {
    if (report.stopped) return;
    try {
      const done = await runPage(ids);
      report.tasks += done.tasks;
      report.written += done.written;
    } catch (err) {
      if (err instanceof LeaseLost) {
        report.stopped = 'lease';
        return;
      }
      if (ids.length === 1) {
        const why = err instanceof Error ? err.message : String(err);
        report.failed++;
        report.error ??= why;
        if (report.failedTaskIds.length < LOGGED_FAILURES) {
          report.failedTaskIds.push(ids[0]);
          this.logger.error('提醒扫描：待办 %d 的提醒写入失败，下次扫描重试：%s', ids[0], why);
        }
        if (report.failed >= MAX_FAILURES_PER_PASS) report.stopped = 'failures';
        return;
      }
      const half = Math.ceil(ids.length / 2);
      await this.isolate(ids.slice(0, half), runPage, report);
      await this.isolate(ids.slice(half), runPage, report);
    }
  }

  /**
   * One pass of the sender. On MySQL/MariaDB every instance sends (rows are claimed with SKIP
   * LOCKED); on SQLite (one connection, no SKIP LOCKED) only the lease holder. Null when it did not run.
   */
  drain(): Promise<DrainResult | null> {
    const lease = !this.db.isMysql;
    return this.lease.exclusive(SEND_LEASE, () => this.jobs.pass(SEND_JOB, () => this.sms.sender().drain(this.clock.now()), (r) => ({
      counts: { ...r },
      // Every provider call of the pass failed: nothing reaches anyone (provider down, keys or templates wrong).
      failure: r.sent + r.confirmed === 0 && r.retried + r.failed > 0 ? `本次 ${r.retried + r.failed} 条短信全部发送失败，请检查短信服务商配置与连通性` : undefined,
    })), { lease });
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

  /**
   * A test message goes through the outbox like any other (queued, then sent after the commit,
   * counted as a delivery): called before the request's transaction, never inside one.
   */
  async testSms(phone: string): Promise<number> {
    const now = this.clock.now();
    const params = {};
    const text = reminderText('test', params);
    const row = await this.db.transaction(async (em) => {
      const saved = await em.save(em.create(Reminder, {
        dedupeKey: `test:${randomUUID()}`, kind: 'test', channel: 'sms', taskId: null, caseId: null, orgId: null, userId: null, phone,
        templateCode: this.cfg.reminders.templates.test, params: JSON.stringify(params), text, status: 'pending', attempts: 0, nextAttemptAt: now,
      }));
      await em.insert(ReminderLog, { reminderId: saved.id, event: 'queued', code: null, detail: maskPhone(phone), providerId: null, at: now });
      return saved;
    });
    await this.sms.sender().sendNow(row.id, this.clock.now());
    return row.id;
  }

  async viewOne(em: EntityManager, id: number) {
    return (await this.view(em, [await em.findOneByOrFail(Reminder, { id })]))[0];
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
