import { shanghaiTime, dueTime } from '../../miniapp/src/lib/time';

/* Due times are stored in UTC and shown in Asia/Shanghai as `YYYY-MM-DD HH:mm` (DOMAIN.md "Counting deadlines"). */

test('a UTC instant is shown as Shanghai wall time, across the date line of UTC', () => {
  // Midnight in Shanghai is 16:00 UTC the day before: the date must be Shanghai's.
  expect(shanghaiTime('2026-11-28T16:00:00.000Z')).toBe('2026-11-29 00:00');
  expect(new Date('2026-11-29T00:00:00+08:00').toISOString().slice(0, 10)).toBe('2026-11-28');
  expect(shanghaiTime(new Date('2026-11-29T00:00:00+08:00').toISOString())).toBe('2026-11-29 00:00');
  expect(shanghaiTime('2026-12-31T23:59:59.999Z')).toBe('2027-01-01 07:59');
  expect(shanghaiTime(null)).toBe('');
  expect(shanghaiTime('not a date')).toBe('');
});

test('a deadline ending at Shanghai midnight reads as 24:00 of its last day, as in the SMS and 通报', () => {
  expect(dueTime('2026-12-01T16:00:00.000Z')).toBe('2026-12-01 24:00');
  expect(dueTime('2026-12-01T03:00:00.000Z')).toBe('2026-12-01 11:00');
  expect(dueTime(null)).toBe('');
});
