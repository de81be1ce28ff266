import { Provide, Scope, ScopeEnum, Inject, Config, Init, ILogger, Logger } from '@midwayjs/core';
import { performance } from 'perf_hooks';
import { In } from 'typeorm';
import type { z } from 'zod';
import type { jobView } from '@lfxj/contracts';
import { Db } from '../../common/db';
import { Clock, MINUTE, shanghaiMinute } from '../../common/clock';
import { AppError } from '../../common/app-error';
import type { AppConfig } from '../../config/env';
import { JobStatus } from './entities';

export const SCAN_JOB = 'reminder-scan';
export const SEND_JOB = 'reminder-send';
export type JobName = typeof SCAN_JOB | typeof SEND_JOB;

/** Counts of one pass, named in Chinese for log lines and alerts. */
const COUNT_LABELS: Record<JobName, Array<[string, string, string]>> = {
  [SCAN_JOB]: [['tasks', '处理待办', '个'], ['written', '写入提醒', '条'], ['failed', '失败', '个']],
  [SEND_JOB]: [['sent', '发出', '条'], ['retried', '待重试', '条'], ['failed', '失败', '条'], ['deferred', '推迟', '条']],
};
const LABELS: Record<JobName, string> = { [SCAN_JOB]: '提醒扫描', [SEND_JOB]: '短信发送' };

export type JobView = z.output<typeof jobView>;

/** How a pass went: its counts, and why it failed (absent: it succeeded). */
export interface PassOutcome {
  counts: Record<string, number>;
  failure?: string;
}

/** A pass that threw has been recorded and logged already: whoever catches it need not log it again. */
export class ReportedFailure extends Error {}

const describeCounts = (job: JobName, counts: Record<string, number>) =>
  COUNT_LABELS[job].map(([key, label, unit]) => `${label} ${counts[key] ?? 0} ${unit}`).join('，');
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));
const minutes = (ms: number) => Math.max(1, Math.floor(ms / MINUTE));
/** 'MM-DD HH:mm' in Shanghai time: a banner line names the day and minute, the year goes without saying. */
const shanghai = (d: Date) => shanghaiMinute(d).slice(5);

/**
 * The background jobs' status: every pass of the deadline scan and of the sender writes its
 * counts and duration to `job_status`; a pass that fails logs an error line with its counts.
 * `/health` answers 503 naming the job while its last pass failed or while no pass has completed
 * for JOB_STALE_INTERVALS of its intervals; the admins' console shows the same as a banner.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class JobStatusService {
  @Inject() private db: Db;
  @Inject() private clock: Clock;
  @Config('app') private cfg: AppConfig;
  @Logger() private logger: ILogger;
  /** A job that never completed is judged from when this instance started. */
  private startedAt: Date;

  @Init()
  init(): void {
    this.startedAt = this.clock.now();
  }

  private intervalSeconds(job: JobName): number {
    return job === SCAN_JOB ? this.cfg.reminders.scanSeconds : this.cfg.reminders.sendSeconds;
  }

  /**
   * Run one pass of `job`, timed, and record it. `outcome` reads the pass's result (null: the
   * pass did not complete its work here, e.g. another instance took the lease over: nothing is
   * recorded). A pass that throws is recorded as failed and rethrown as a ReportedFailure.
   */
  async pass<T>(job: JobName, work: () => Promise<T>, outcome: (result: T) => PassOutcome | null): Promise<T> {
    const started = performance.now();
    let result: T;
    try {
      result = await work();
    } catch (err) {
      await this.record(job, { counts: {}, failure: reason(err) }, performance.now() - started);
      throw new ReportedFailure(reason(err), { cause: err });
    }
    const done = outcome(result);
    if (done) await this.record(job, done, performance.now() - started);
    return result;
  }

  private async record(job: JobName, pass: PassOutcome, elapsedMs: number): Promise<void> {
    const now = this.clock.now();
    const durationMs = Math.round(elapsedMs);
    const counts = describeCounts(job, pass.counts);
    if (pass.failure) {
      // The loud part: one error line with what the pass did, whatever else was logged on the way.
      this.logger.error('%s失败（%s，用时 %d 毫秒）：%s', LABELS[job], counts, durationMs, pass.failure);
    } else if (Object.values(pass.counts).some((n) => n > 0)) {
      this.logger.info('%s完成（%s，用时 %d 毫秒）', LABELS[job], counts, durationMs);
    }
    const failure = pass.failure?.slice(0, 500) ?? null;
    const fields = { state: failure ? 'failing' as const : 'ok' as const, lastPassAt: now, durationMs, counts: JSON.stringify(pass.counts), instance: this.cfg.instanceId };
    try {
      await this.db.transaction(async (em) => {
        const set = failure
          ? { ...fields, lastFailureAt: now, lastError: failure, failuresInRow: () => 'failures_in_row + 1' }
          : { ...fields, lastSuccessAt: now, failuresInRow: 0 };
        const updated = await em.createQueryBuilder().update(JobStatus).set(set).where('name = :job', { job }).execute();
        if (updated.affected) return;
        await em.createQueryBuilder().insert().into(JobStatus).values({
          name: job, ...fields, lastSuccessAt: failure ? null : now, lastFailureAt: failure ? now : null, lastError: failure, failuresInRow: failure ? 1 : 0,
        }).orIgnore().updateEntity(false).execute();
      });
    } catch (err) {
      // The database itself failing is what /health then reports (it cannot read the status either).
      this.logger.error('%s的运行状态无法记录：%s', LABELS[job], reason(err));
    }
  }

  /** Whether this instance runs the jobs, and so expects their passes; one that does not judges them only by what their last pass said. */
  watched(): boolean {
    return this.cfg.reminders.enabled;
  }

  /** Every job with its state: one read by primary key. */
  async jobs(): Promise<JobView[]> {
    const names: JobName[] = [SCAN_JOB, SEND_JOB];
    const rows = await this.db.read((em) => em.find(JobStatus, { where: { name: In(names) } }));
    const now = this.clock.now().getTime();
    return names.map((job) => {
      const row = rows.find((r) => r.name === job);
      const staleAfterSeconds = this.cfg.jobStaleIntervals * this.intervalSeconds(job);
      const since = (row?.lastPassAt ?? this.startedAt).getTime();
      const stale = this.watched() && now - since > staleAfterSeconds * 1000;
      const state = row?.state === 'failing' ? 'failing' : stale ? 'stale' : row ? 'ok' : 'waiting';
      return {
        job, label: LABELS[job], state, staleAfterSeconds,
        lastPassAt: row?.lastPassAt.toISOString() ?? null, lastSuccessAt: row?.lastSuccessAt?.toISOString() ?? null,
        lastFailureAt: row?.lastFailureAt?.toISOString() ?? null, lastError: row?.lastError ?? null,
        failuresInRow: row?.failuresInRow ?? 0, durationMs: row?.durationMs ?? null,
        counts: row ? (JSON.parse(row.counts) as Record<string, number>) : {}, instance: row?.instance ?? null,
      };
    });
  }

  /** The alert for a job in trouble, in Chinese (null when it is fine). */
  alert(v: JobView, withError: boolean): string | null {
    if (v.state !== 'failing' && v.state !== 'stale') return null;
    const job = v.job as JobName;
    const now = this.clock.now().getTime();
    const lastSuccess = v.lastSuccessAt ? `，上次成功于 ${minutes(now - Date.parse(v.lastSuccessAt))} 分钟前` : '，此前从未成功';
    const error = withError && v.lastError ? `：${v.lastError}` : '';
    if (v.state === 'stale') {
      const since = v.lastPassAt ? Date.parse(v.lastPassAt) : this.startedAt.getTime();
      const failure = v.lastFailureAt ? `，最近一次失败：${shanghai(new Date(v.lastFailureAt))}${error}` : '';
      return `${v.label}已 ${minutes(now - since)} 分钟未完成（应每 ${this.intervalSeconds(job)} 秒完成一次）${failure}`;
    }
    return `${v.label}最近一次失败（${shanghai(new Date(v.lastFailureAt!))}，连续 ${v.failuresInRow} 次；${describeCounts(job, v.counts)}${lastSuccess}）${error}`;
  }

  /** For the admins' console: the jobs, their last errors, and the alerts to show. */
  async overview(): Promise<{ ok: boolean; alerts: string[]; jobs: JobView[] }> {
    const jobs = await this.jobs();
    const alerts = jobs.map((v) => this.alert(v, true)).filter((a): a is string => !!a);
    return { ok: !alerts.length, alerts, jobs };
  }

  /**
   * For /health (no login): 200 with the last passes, or 503 naming the jobs in trouble. The
   * error texts stay out (they can name tables and servers); admins see them in the console.
   */
  async health(): Promise<{ ok: true; jobs: JobView[] }> {
    const jobs = (await this.jobs()).map(({ lastError: _hidden, ...v }) => v);
    const alerts = jobs.map((v) => this.alert(v, false)).filter((a): a is string => !!a);
    if (alerts.length) throw new AppError('JOBS_FAILING', `后台任务异常：${alerts.join('；')}`, { jobs });
    return { ok: true, jobs };
  }
}
