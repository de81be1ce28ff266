import { Provide, Scope, ScopeEnum } from '@midwayjs/core';
import type { EntityManager } from 'typeorm';
import { DEADLINE_RULES, type DeadlineRuleDef } from '@lfxj/contracts';
import { DeadlineRule, CalendarOverrideRow, CalendarYear } from './entities';
import { WorkCalendar, computeDue, type DueResult } from './calendar';
import { AppError } from '../../common/app-error';

/**
 * Deadline rules as versioned rows plus the working-day calendar. A task records the rule key
 * and version it was computed with, so correcting a rule never silently moves running deadlines.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class DeadlinesService {
  /** Seed version 1 of each default rule that the database does not have yet. */
  async seed(em: EntityManager): Promise<void> {
    const existing = new Set((await em.find(DeadlineRule, { select: { ruleKey: true } })).map((r) => r.ruleKey));
    for (const def of DEADLINE_RULES as readonly DeadlineRuleDef[]) {
      if (existing.has(def.key)) continue;
      await em.insert(DeadlineRule, {
        ruleKey: def.key, version: 1, label: def.label, amount: def.amount, unit: def.unit, rolloverOnRestDay: def.rolloverOnRestDay,
        basis: def.basis, extensions: JSON.stringify(def.extensions ?? []), unverified: def.unverified ?? false,
      });
    }
  }

  /** The newest version of a rule. */
  async current(em: EntityManager, key: string): Promise<DeadlineRule> {
    const rule = await em.findOne(DeadlineRule, { where: { ruleKey: key }, order: { version: 'DESC' } });
    if (!rule) throw new AppError('INTERNAL', `期限规则 ${key} 未配置`);
    return rule;
  }

  async version(em: EntityManager, key: string, version: number): Promise<DeadlineRule> {
    const rule = await em.findOne(DeadlineRule, { where: { ruleKey: key, version } });
    if (!rule) throw new AppError('INTERNAL', `期限规则 ${key} 第 ${version} 版不存在`);
    return rule;
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
