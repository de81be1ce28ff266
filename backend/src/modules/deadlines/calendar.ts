/**
 * Working-day calendar and legal period counting. Pure: no container, no database; callers
 * load the admins' overrides and pass them in.
 *
 * Dates are 'YYYY-MM-DD' strings meaning a calendar day in Asia/Shanghai; instants are Dates
 * (UTC). Never derive a day from toISOString() of an instant: that is the UTC day.
 */
import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import { HOUR, shanghaiDate } from '../../common/clock';
import { addDays } from '../../common/days';

/** An admin correction, e.g. next year's State Council schedule before chinese-days has it. */
export interface CalendarOverride {
  date: string; // YYYY-MM-DD
  kind: 'workday' | 'holiday';
  name: string;
}

import type { PeriodUnit } from '@lfxj/contracts';

export type { PeriodUnit };

export interface PeriodRule {
  amount: number;
  unit: PeriodUnit;
  /** false where the law forbids extension, e.g. custody periods (XF Art105 但书: 在押期间不因节假日延长). */
  rolloverOnRestDay: boolean;
}

export interface DueResult {
  /** Exclusive end: the period is over at this instant. */
  dueAt: Date;
  /** The period's last Shanghai day; null for hour periods. */
  lastDay: string | null;
  flagged: boolean;
  flagReason: string | null;
}

/** The package's JSON: date -> "English,中文,n" for rest days and make-up (调休) workdays. */
interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

// Read the JSON rather than calling isWorkday(): the package parses date strings in the
// process's local time zone, and the server's zone must not decide a legal deadline.
const DATA: ChineseDaysData = chineseDaysData;

/**
 * Years the package carries a full State Council schedule for. A year counts only with at
 * least 7 rest days (春节 alone is 7): a neighbouring year's schedule can spill a few days
 * across New Year (e.g. a 12-31 调休), which must not make that year look covered.
 */
const PACKAGE_YEARS: ReadonlySet<number> = (() => {
  const count = new Map<number, number>();
  for (const day of Object.keys(DATA.holidays)) {
    const year = Number(day.slice(0, 4));
    count.set(year, (count.get(year) ?? 0) + 1);
  }
  return new Set([...count].filter(([, n]) => n >= 7).map(([year]) => year));
})();

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function assertDay(day: string): void {
  // addDays(day, 0) round-trips only real dates (rejects 2026-02-30).
  if (!DAY_RE.test(day) || addDays(day, 0) !== day) throw new RangeError(`无效日期：${day}`);
}

const yearOf = (day: string): number => Number(day.slice(0, 4));

/** The Shanghai midnight that starts `day`, as an instant. */
const shanghaiMidnight = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

export class WorkCalendar {
  /** Last year of the unbroken run of covered years that starts with the package's data. */
  readonly coveredThroughYear: number;
  private readonly overrides = new Map<string, CalendarOverride>();
  private readonly coveredYears: ReadonlySet<number>;

  /**
   * @param overrides admin corrections; they win over the package. One per date is expected
   *   (the later entry wins). An override also makes its own day certain.
   * @param extraCoveredYears years an admin has declared complete (all of that year's holidays
   *   and 调休 days entered as overrides), so its other days may be trusted as plain weekdays
   *   and weekends. Overrides alone never mark a whole year covered: one entered holiday says
   *   nothing about the rest of the year's schedule.
   */
  constructor(overrides: CalendarOverride[] = [], extraCoveredYears: number[] = []) {
    for (const o of overrides) {
      assertDay(o.date);
      this.overrides.set(o.date, o);
    }
    this.coveredYears = new Set([...PACKAGE_YEARS, ...extraCoveredYears]);
    let last = Math.max(...PACKAGE_YEARS);
    while (this.coveredYears.has(last + 1)) last += 1;
    this.coveredThroughYear = last;
  }

  /**
   * Rest days are weekends and the State Council's public holidays; a 调休 weekend day is a
   * working day (国务院《全国年节及纪念日放假办法》 and each year's 国务院办公厅放假安排通知).
   * Outside the covered years this is a best guess (Mon–Fri); callers check isCovered().
   */
  isWorkday(day: string): boolean {
    assertDay(day);
    const override = this.overrides.get(day);
    if (override) return override.kind === 'workday';
    if (day in DATA.workdays) return true;
    if (day in DATA.holidays) return false;
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** Whether isWorkday(day) is backed by a published schedule or an admin's word. */
  isCovered(day: string): boolean {
    assertDay(day);
    return this.overrides.has(day) || this.coveredYears.has(yearOf(day));
  }

  /** The user-facing reason why `day` cannot be classified with certainty. */
  uncoveredReason(day: string): string {
    const known = yearOf(day) > this.coveredThroughYear
      ? `节假日数据仅覆盖至${this.coveredThroughYear}年`
      : `节假日数据未覆盖${yearOf(day)}年`;
    return `${known}，${day} 是否为工作日无法确定，请管理员补充节假日安排`;
  }
}

/** Tracks every day the computation classifies, so an uncertain one flags the result. */
class Classifier {
  firstUncovered: string | null = null;

  constructor(private readonly cal: WorkCalendar) {}

  isWorkday(day: string): boolean {
    if (this.firstUncovered === null && !this.cal.isCovered(day)) this.firstUncovered = day;
    return this.cal.isWorkday(day);
  }
}

/** Same day-of-month `months` later; without that day, the month's last day (民法典 Art202). */
function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  // Day 0 of the following month is the target month's last day.
  const monthEnd = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, monthEnd));
  return target.toISOString().slice(0, 10);
}

/**
 * When a period that started at `start` ends (XF Art105: periods in hours, days or months; the
 * starting hour or day is not counted; a last day that is a rest day moves to the next working
 * day unless the rule forbids it).
 */
export function computeDue(start: Date, rule: PeriodRule, cal: WorkCalendar): DueResult {
  if (Number.isNaN(start.getTime())) throw new RangeError('无效的起算时间');
  if (!Number.isInteger(rule.amount) || rule.amount < 1) throw new RangeError(`期间长度必须为正整数：${rule.amount}`);

  if (rule.unit === 'hours') {
    // XF Art105: the starting hour is not counted, so counting begins at the next full hour
    // (10:00:00 sharp starts the 10 o'clock hour too: it begins at 11:00). Shanghai's offset
    // is whole hours, so full hours in UTC are full hours in Shanghai. Hours never roll over
    // (XF Art105 moves only a last *day*).
    const begin = Math.floor(start.getTime() / HOUR) * HOUR + HOUR;
    return { dueAt: new Date(begin + rule.amount * HOUR), lastDay: null, flagged: false, flagReason: null };
  }

  const classifier = new Classifier(cal);
  // XF Art105: the starting day is not counted; the day is Shanghai's, not UTC's.
  const startDay = shanghaiDate(start);
  let lastDay: string;

  if (rule.unit === 'working_days') {
    // Working-day periods (e.g. FX2024 Art12, 10 工作日) count only working days after the
    // start day; 调休 weekend days count, holidays and weekends don't. The last day is a
    // working day by construction, so there is nothing to roll over.
    lastDay = startDay;
    for (let counted = 0; counted < rule.amount;) {
      lastDay = addDays(lastDay, 1);
      if (classifier.isWorkday(lastDay)) counted += 1;
    }
  } else {
    lastDay = rule.unit === 'days' ? addDays(startDay, rule.amount) : addMonths(startDay, rule.amount);
    // XF Art105: a last day on a rest day or holiday moves to the first working day after it.
    if (rule.rolloverOnRestDay) {
      while (!classifier.isWorkday(lastDay)) lastDay = addDays(lastDay, 1);
    }
  }

  // The whole last day belongs to the period: it ends at the following Shanghai midnight.
  const dueAt = shanghaiMidnight(addDays(lastDay, 1));
  const uncovered = classifier.firstUncovered;
  return {
    dueAt,
    lastDay,
    flagged: uncovered !== null,
    flagReason: uncovered === null ? null : cal.uncoveredReason(uncovered),
  };
}
