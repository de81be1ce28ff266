import { Provide, Scope, ScopeEnum } from '@midwayjs/core';
import { In, type EntityManager } from 'typeorm';
import { DeadlineRule, CalendarOverrideRow, CalendarYear } from './entities';
import { WorkCalendar, computeDue, type DueResult } from './calendar';
import { AppError } from '../../common/app-error';

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

  async due(em: EntityManager, start: Date, rule: Pick<DeadlineRule, 'amount' | 'unit' | 'rolloverOnRestDay'>): Promise<DueResult> {
    return computeDue(start, { amount: rule.amount, unit: rule.unit, rolloverOnRestDay: rule.rolloverOnRestDay }, await this.calendar(em));
  }
}
