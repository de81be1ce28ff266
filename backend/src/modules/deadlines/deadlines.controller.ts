import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API, type DeadlineExtension } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { AppError } from '../../common/app-error';
import { DeadlinesService } from './deadlines.service';
import { DeadlineRule, CalendarOverrideRow, CalendarYear } from './entities';

const api = API.deadlines;

const ruleView = (r: DeadlineRule) => ({
  key: r.ruleKey, version: r.version, label: r.label, amount: r.amount, unit: r.unit, rolloverOnRestDay: r.rolloverOnRestDay,
  basis: r.basis, unverified: r.unverified, createdAt: r.createdAt.toISOString(), extensions: r.extensionList(),
});

@Controller('/')
export class DeadlinesController {
  @Inject() ctx: Context;
  @Inject() deadlines: DeadlinesService;

  @Endpoint(api.rules)
  async rules({ em }: Call<typeof api.rules>) {
    const all = await em.find(DeadlineRule, { order: { ruleKey: 'ASC', version: 'DESC' } });
    return all.filter((r, i) => i === 0 || all[i - 1].ruleKey !== r.ruleKey).map(ruleView);
  }

  @Endpoint(api.ruleVersions)
  async ruleVersions({ input, em }: Call<typeof api.ruleVersions>) {
    return (await em.find(DeadlineRule, { where: { ruleKey: input.params.key }, order: { version: 'DESC' } })).map(ruleView);
  }

  /** A correction is a new version; tasks already running keep the version they were computed with. */
  @Endpoint(api.publishRule)
  async publishRule({ input, em, audit }: Call<typeof api.publishRule>) {
    const current = await this.deadlines.current(em, input.params.key);
    const b = input.body;
    const extensions: DeadlineExtension[] = b.extensions ?? current.extensionList();
    for (const e of extensions) {
      if (e.after && !extensions.some((x) => x.key === e.after)) throw AppError.field('extensions', '延长规则', `“${e.label}”的前置延长类型 ${e.after} 不存在`);
    }
    const row = await em.save(em.create(DeadlineRule, {
      ruleKey: current.ruleKey, version: current.version + 1, label: b.label ?? current.label, amount: b.amount, unit: b.unit,
      rolloverOnRestDay: b.rolloverOnRestDay, basis: b.basis, unverified: b.unverified ?? false, extensions: JSON.stringify(extensions),
    }));
    Object.assign(audit, { targetType: 'deadline_rule', targetId: `${row.ruleKey}@${row.version}` });
    return ruleView(row);
  }

  @Endpoint(api.overrides)
  async overrides({ input, em }: Call<typeof api.overrides>) {
    const calendar = await this.deadlines.calendar(em);
    const qb = em.createQueryBuilder(CalendarOverrideRow, 'o').orderBy('o.day', 'ASC');
    if (input.query.year) qb.where('o.day >= :from AND o.day <= :to', { from: `${input.query.year}-01-01`, to: `${input.query.year}-12-31` });
    const years = await em.find(CalendarYear, { order: { year: 'ASC' } });
    return {
      coveredThroughYear: calendar.coveredThroughYear, extraCoveredYears: years.map((y) => y.year),
      items: (await qb.getMany()).map((o) => ({ id: o.id, day: o.day, kind: o.kind, name: o.name })),
    };
  }

  @Endpoint(api.addOverride)
  async addOverride({ input, em, audit }: Call<typeof api.addOverride>) {
    if (await em.findOneBy(CalendarOverrideRow, { day: input.body.day })) throw AppError.field('day', '日期', '已有调整记录，请先删除', 'CONFLICT');
    const row = await em.save(em.create(CalendarOverrideRow, input.body));
    this.deadlines.calendarChanged();
    Object.assign(audit, { targetType: 'calendar_override', targetId: row.id });
    return { id: row.id, day: row.day, kind: row.kind, name: row.name };
  }

  @Endpoint(api.removeOverride)
  async removeOverride({ input, em, audit }: Call<typeof api.removeOverride>) {
    const row = await em.findOneBy(CalendarOverrideRow, { id: input.params.id });
    if (!row) throw new AppError('NOT_FOUND', `节假日调整不存在（编号 ${input.params.id}）`, { field: 'id' });
    Object.assign(audit, { targetType: 'calendar_override', targetId: row.id, details: { day: row.day, kind: row.kind, name: row.name } });
    await em.delete(CalendarOverrideRow, { id: row.id });
    this.deadlines.calendarChanged();
    return { ok: true as const };
  }

  @Endpoint(api.coverYear)
  async coverYear({ input, em, audit }: Call<typeof api.coverYear>) {
    Object.assign(audit, { targetType: 'calendar_year', targetId: input.params.id });
    const existing = await em.findOneBy(CalendarYear, { year: input.params.id });
    if (existing) await em.update(CalendarYear, { year: existing.year }, { note: input.body.note });
    else await em.insert(CalendarYear, { year: input.params.id, note: input.body.note });
    this.deadlines.calendarChanged();
    return { ok: true as const };
  }
}
