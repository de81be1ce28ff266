import { Provide, Scope, ScopeEnum } from '@midwayjs/core';
import { In, type EntityManager } from 'typeorm';
import { DeadlineRule, CalendarOverrideRow, CalendarYear } from './entities';
import { WorkCalendar, computeDue, type DueResult } from './calendar';
import { AppError } from '../../common/app-error';
import { hydrate } from '../cases/rows';

/**
 * Deadline rules as versioned rows plus the working-day calendar. A task records the rule key
 * and version it was computed with, so correcting a rule never silently moves running deadlines.
 * The default rules ship with the migrations (1764950000000-DeadlineRules), not with the seeder.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class DeadlinesService {
  /**
   * Rule versions by `key@version`. A version is never edited once written (a correction is a
   * new version: deadlines.controller only inserts), so an instance may keep what it read.
   */
  private readonly versionCache = new Map<string, DeadlineRule>();

  /** The newest version of a rule. */
  async current(em: EntityManager, key: string): Promise<DeadlineRule> {
    const rule = await em.findOne(DeadlineRule, { where: { ruleKey: key }, order: { version: 'DESC' } });
    if (!rule) throw new AppError('INTERNAL', `期限规则 ${key} 未配置`);
    return rule;
  }

  async version(em: EntityManager, key: string, version: number): Promise<DeadlineRule> {
    const rule = (await this.versions(em, [{ key, version }])).get(`${key}@${version}`);
    if (!rule) throw new AppError('INTERNAL', `期限规则 ${key} 第 ${version} 版不存在`);
    return rule;
  }

  /** Many rule versions, by `key@version`: those not yet known to this instance in one query. */
  async versions(em: EntityManager, wanted: Array<{ key: string; version: number }>): Promise<Map<string, DeadlineRule>> {
    const missing = [...new Set(wanted.map((w) => `${w.key}@${w.version}`))].filter((k) => !this.versionCache.has(k));
    if (missing.length) {
      const keys = [...new Set(missing.map((k) => k.slice(0, k.lastIndexOf('@'))))];
      for (const rule of await em.find(DeadlineRule, { where: { ruleKey: In(keys) } })) this.versionCache.set(`${rule.ruleKey}@${rule.version}`, rule);
    }
    return new Map(wanted.flatMap((w) => {
      const rule = this.versionCache.get(`${w.key}@${w.version}`);
      return rule ? [[`${w.key}@${w.version}`, rule] as const] : [];
    }));
  }

  async calendar(em: EntityManager): Promise<WorkCalendar> {
    const overrides = await em.find(CalendarOverrideRow);
    const years = await em.find(CalendarYear);
    return new WorkCalendar(overrides.map((o) => ({ date: o.day, kind: o.kind, name: o.name })), years.map((y) => y.year));
  }

  /** The calendar as last read, and the fingerprint (DEADLINES_STAMP) it was read at. */
  private calendarCache: { stamp: string; calendar: WorkCalendar } | null = null;
  /** The newest version of each rule as last read, with the fingerprint it was read at. */
  private readonly currentCache = new Map<string, { stamp: string; rule: DeadlineRule }>();

  /** Forget what was cached (this instance's own change; other instances see the fingerprint move). */
  calendarChanged(): void {
    this.calendarCache = null;
    this.currentCache.clear();
  }

  /**
   * The newest version of a rule and the working calendar, for a step that opens a task with a
   * deadline. `stamp` is DEADLINES_STAMP as the caller's statement read it (the step reads it
   * with the case): while it has not moved, both come from this instance's cache, no statement.
   * Otherwise the rule and a fresh fingerprint in one statement, and the calendar if it changed.
   */
  async currentWithCalendar(em: EntityManager, key: string, stamp?: string): Promise<{ rule: DeadlineRule; calendar: WorkCalendar }> {
    let current = stamp === undefined ? undefined : this.currentCache.get(key);
    if (!current || current.stamp !== stamp) {
      const [raw] = await em.query(`SELECT r.*, ${DEADLINES_STAMP} FROM deadline_rule r WHERE r.rule_key = ? ORDER BY r.version DESC LIMIT 1`, [key]) as Array<Record<string, unknown>>;
      if (!raw) throw new AppError('INTERNAL', `期限规则 ${key} 未配置`);
      current = { stamp: deadlinesStampOf(raw), rule: hydrate(em, DeadlineRule, raw) };
      this.currentCache.set(key, current);
    }
    let cached = this.calendarCache;
    if (!cached || cached.stamp !== current.stamp) {
      cached = { stamp: current.stamp, calendar: await this.calendar(em) };
      this.calendarCache = cached;
    }
    return { rule: current.rule, calendar: cached.calendar };
  }

  async due(em: EntityManager, start: Date, rule: Pick<DeadlineRule, 'amount' | 'unit' | 'rolloverOnRestDay'>): Promise<DueResult> {
    return computeDue(start, { amount: rule.amount, unit: rule.unit, rolloverOnRestDay: rule.rolloverOnRestDay }, await this.calendar(em));
  }
}

/**
 * Columns that fingerprint the rule versions and the calendar, for any statement to carry: rule
 * versions and calendar years are only inserted, overrides only inserted and deleted (never
 * edited: deadlines.controller), and ids are not reused, so (count, highest id) of each table
 * moves with every change.
 */
export const DEADLINES_STAMP = ['deadline_rule', 'calendar_override'].map((t) => `(SELECT COUNT(*) FROM ${t}) AS dl_${t}_n, (SELECT MAX(id) FROM ${t}) AS dl_${t}_max`)
  .concat('(SELECT COUNT(*) FROM calendar_year) AS dl_calendar_year_n, (SELECT MAX(year) FROM calendar_year) AS dl_calendar_year_max').join(', ');

/** The fingerprint in a row read with DEADLINES_STAMP. */
export const deadlinesStampOf = (raw: Record<string, unknown>): string =>
  ['deadline_rule', 'calendar_override', 'calendar_year'].flatMap((t) => [raw[`dl_${t}_n`], raw[`dl_${t}_max`]]).map((v) => String(v ?? '')).join(':');
