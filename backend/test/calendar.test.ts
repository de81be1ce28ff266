/**
 * Unit tests for deadline counting (XF Art105). They do not boot the app. The dates are real:
 * chinese-days 1.5.7 carries the State Council schedules through 2026 (2026 国庆: 10-01..10-07
 * off, Saturday 10-10 and Sunday 09-20 worked; 春节: Saturday 02-28 worked).
 */
import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import { computeDue, WorkCalendar, type PeriodRule } from '../src/modules/deadlines/calendar';

const days = (amount: number, rolloverOnRestDay = true): PeriodRule => ({ amount, unit: 'days', rolloverOnRestDay });
const cal = new WorkCalendar();

test('the calendar follows the real 2026 schedule, including 调休 weekend days', () => {
  expect(cal.isWorkday('2026-10-02')).toBe(false); // 国庆
  expect(cal.isWorkday('2026-10-07')).toBe(false); // 国庆 (调休 rest day)
  expect(cal.isWorkday('2026-10-08')).toBe(true); // Thursday
  expect(cal.isWorkday('2026-10-09')).toBe(true); // Friday
  expect(cal.isWorkday('2026-10-10')).toBe(true); // Saturday, worked for 国庆
  expect(cal.isWorkday('2026-10-11')).toBe(false); // Sunday
  expect(cal.isWorkday('2026-09-20')).toBe(true); // Sunday, worked for 国庆
  expect(cal.isWorkday('2026-02-28')).toBe(true); // Saturday, worked for 春节
  expect(cal.isWorkday('2026-07-04')).toBe(false); // plain Saturday
});

test('the last covered year comes from the package data', () => {
  const years = Object.keys(chineseDaysData.holidays).map((d) => Number(d.slice(0, 4)));
  expect(cal.coveredThroughYear).toBe(Math.max(...years));
  // chinese-days 1.5.7 ends with 2026; after an upgrade, move the 2027 tests below forward.
  expect(cal.coveredThroughYear).toBe(2026);
  expect(cal.isCovered('2026-12-31')).toBe(true);
  expect(cal.isCovered('2027-01-01')).toBe(false);
  expect(cal.isCovered('2003-12-31')).toBe(false);
});

test('a 3-day period whose last day is a holiday ends on the first working day after it', () => {
  // Starts 2026-09-29 (not counted); day 3 is 10-02 (国庆), rest through 10-07; 10-08 works.
  const r = computeDue(new Date('2026-09-29T10:00:00+08:00'), days(3), cal);
  expect(r.lastDay).toBe('2026-10-08');
  expect(r.dueAt.toISOString()).toBe('2026-10-08T16:00:00.000Z');
  expect(r.flagged).toBe(false);
  expect(r.flagReason).toBeNull();

  // Custody periods do not move (XF Art105 但书): the last day stays on the holiday.
  const custody = computeDue(new Date('2026-09-29T10:00:00+08:00'), days(3, false), cal);
  expect(custody.lastDay).toBe('2026-10-02');
  expect(custody.dueAt.toISOString()).toBe('2026-10-02T16:00:00.000Z');
});

test('a working-day period skips the holiday and counts the 调休 Saturday', () => {
  // From Monday 2026-09-28: 09-29 (1), 09-30 (2), 10-01..07 off, 10-08 (3), 10-09 (4),
  // Saturday 10-10 is a 调休 working day (5).
  const r = computeDue(new Date('2026-09-28T15:00:00+08:00'), { amount: 5, unit: 'working_days', rolloverOnRestDay: true }, cal);
  expect(r.lastDay).toBe('2026-10-10');
  expect(r.dueAt.toISOString()).toBe('2026-10-10T16:00:00.000Z');
  expect(r.flagged).toBe(false);

  // Sunday 2026-09-20 is worked too: from Friday 09-18 the first working day is that Sunday.
  const sunday = computeDue(new Date('2026-09-18T09:00:00+08:00'), { amount: 1, unit: 'working_days', rolloverOnRestDay: true }, cal);
  expect(sunday.lastDay).toBe('2026-09-20');
});

test('a 24-hour period starts counting at the next full hour', () => {
  const rule: PeriodRule = { amount: 24, unit: 'hours', rolloverOnRestDay: true };
  const r = computeDue(new Date('2026-03-10T10:20:00+08:00'), rule, cal);
  expect(r.dueAt.toISOString()).toBe(new Date('2026-03-11T11:00:00+08:00').toISOString());
  expect(r.dueAt.toISOString()).toBe('2026-03-11T03:00:00.000Z');
  expect(r.lastDay).toBeNull();
  expect(r.flagged).toBe(false);

  // A start on the hour still began that hour, which is not counted.
  expect(computeDue(new Date('2026-03-10T10:00:00+08:00'), rule, cal).dueAt.toISOString()).toBe('2026-03-11T03:00:00.000Z');
  // Hours never roll over: 24 hours into 国庆 end on the holiday.
  expect(computeDue(new Date('2026-09-30T18:05:00+08:00'), rule, cal).dueAt.toISOString())
    .toBe(new Date('2026-10-01T19:00:00+08:00').toISOString());
});

test('days are Shanghai days, not UTC days', () => {
  // The trap: a Shanghai midnight printed with toISOString() is the previous (UTC) day.
  expect(new Date('2026-07-01T00:00:00+08:00').toISOString().slice(0, 10)).toBe('2026-06-30');

  const start = new Date('2026-06-30T16:30:00Z'); // 2026-07-01 00:30 in Shanghai
  const plain = computeDue(start, days(3, false), cal);
  expect(plain.lastDay).toBe('2026-07-04'); // the UTC date would have given 07-03
  expect(plain.dueAt.toISOString()).toBe('2026-07-04T16:00:00.000Z');

  // 07-04 is a Saturday: the period rolls to Monday 07-06.
  const rolled = computeDue(start, days(3), cal);
  expect(rolled.lastDay).toBe('2026-07-06');
  expect(rolled.dueAt.toISOString()).toBe('2026-07-06T16:00:00.000Z');
});

test('a period running into an uncovered year is flagged until admins supply the schedule', () => {
  // From 2026-12-29, day 3 is Friday 2027-01-01: chinese-days has no 2027, so the weekday
  // guess says "working day", which is very likely wrong (元旦).
  const start = new Date('2026-12-29T09:00:00+08:00');
  const guess = computeDue(start, days(3), cal);
  expect(guess.lastDay).toBe('2027-01-01');
  expect(guess.dueAt.toISOString()).toBe('2027-01-01T16:00:00.000Z');
  expect(guess.flagged).toBe(true);
  expect(guess.flagReason).toBe('节假日数据仅覆盖至2026年，2027-01-01 是否为工作日无法确定，请管理员补充节假日安排');

  // The wording of the brief's example, for a day the computation has to classify in 2027.
  expect(computeDue(new Date('2026-12-31T09:00:00+08:00'), days(4), cal).flagReason)
    .toBe('节假日数据仅覆盖至2026年，2027-01-04 是否为工作日无法确定，请管理员补充节假日安排');

  // An override for 2027-01-01 moves the due date, but 01-02/01-03 are still guesses.
  const newYear = { date: '2027-01-01', kind: 'holiday' as const, name: '元旦' };
  const partial = computeDue(start, days(3), new WorkCalendar([newYear]));
  expect(partial.lastDay).toBe('2027-01-04');
  expect(partial.flagged).toBe(true);
  expect(partial.flagReason).toContain('2027-01-02');

  // Once an admin declares 2027 complete, nothing is flagged and the override still counts.
  const complete = new WorkCalendar([newYear], [2027]);
  expect(complete.coveredThroughYear).toBe(2027);
  const r = computeDue(start, days(3), complete);
  expect(r.lastDay).toBe('2027-01-04');
  expect(r.dueAt.toISOString()).toBe('2027-01-04T16:00:00.000Z');
  expect(r.flagged).toBe(false);
  expect(r.flagReason).toBeNull();

  // Working days into 2027 are flagged as well; a custody period classifies no day, so not.
  expect(computeDue(start, { amount: 5, unit: 'working_days', rolloverOnRestDay: true }, cal).flagged).toBe(true);
  expect(computeDue(start, days(3, false), cal).flagged).toBe(false);
});

test('overrides win over the package data', () => {
  const cal2 = new WorkCalendar([{ date: '2026-10-08', kind: 'holiday', name: '测试调整' }]);
  expect(cal2.isWorkday('2026-10-08')).toBe(false);
  expect(computeDue(new Date('2026-09-29T10:00:00+08:00'), days(3), cal2).lastDay).toBe('2026-10-09');
  const cal3 = new WorkCalendar([{ date: '2026-10-02', kind: 'workday', name: '测试调整' }]);
  expect(computeDue(new Date('2026-09-29T10:00:00+08:00'), days(3), cal3).lastDay).toBe('2026-10-02');
});

test('month periods keep the day of month, clamp to the month end, then roll over', () => {
  // 2026-08-31 + 2 months = 10-31, a Saturday: rolls to Monday 11-02.
  const r = computeDue(new Date('2026-08-31T11:00:00+08:00'), { amount: 2, unit: 'months', rolloverOnRestDay: true }, cal);
  expect(r.lastDay).toBe('2026-11-02');
  expect(r.dueAt.toISOString()).toBe('2026-11-02T16:00:00.000Z');
  expect(r.flagged).toBe(false);

  // 2026-01-31 + 1 month has no 02-31: the month's last day 02-28, a Saturday worked for 春节.
  const clamped = computeDue(new Date('2026-01-31T11:00:00+08:00'), { amount: 1, unit: 'months', rolloverOnRestDay: true }, cal);
  expect(clamped.lastDay).toBe('2026-02-28');
  expect(clamped.dueAt.toISOString()).toBe('2026-02-28T16:00:00.000Z');

  // Across a year end: 2025-12-31 + 2 months = 2026-02-28 as well.
  expect(computeDue(new Date('2025-12-31T11:00:00+08:00'), { amount: 2, unit: 'months', rolloverOnRestDay: false }, cal).lastDay)
    .toBe('2026-02-28');
});

test('bad input is refused rather than miscounted', () => {
  expect(() => new WorkCalendar([{ date: '2027-02-30', kind: 'holiday', name: 'x' }])).toThrow(RangeError);
  expect(() => computeDue(new Date('2026-03-10T10:00:00+08:00'), days(0), cal)).toThrow(RangeError);
  expect(() => computeDue(new Date('2026-03-10T10:00:00+08:00'), days(1.5), cal)).toThrow(RangeError);
  expect(() => computeDue(new Date('invalid'), days(3), cal)).toThrow(RangeError);
});
