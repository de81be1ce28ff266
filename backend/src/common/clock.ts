import { Provide, Scope, ScopeEnum } from '@midwayjs/core';

/**
 * The one source of "now". Everything time-dependent (lockouts, expiries, deadlines) asks the
 * clock, so tests can move time forward instead of sleeping.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Test support: move the platform's time forward. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Test support: put the platform's time at an instant (it then runs on from there). */
  set(instant: Date): void {
    this.offsetMs = instant.getTime() - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Today's date in Asia/Shanghai as YYYY-MM-DD (never from toISOString, which is UTC). */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * HOUR).toISOString().slice(0, 10);
}

/** An instant as Asia/Shanghai wall time, 'YYYY-MM-DD HH:mm', for messages. */
export function shanghaiMinute(instant: Date): string {
  return new Date(instant.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * A deadline as people read it: a period ending at Shanghai midnight is shown as 24:00 of its
 * last day ("2026-12-01 24:00"), not as 00:00 of the next, which reads like one day more.
 */
export function dueText(instant: Date): string {
  const wall = shanghaiMinute(instant);
  if (!wall.endsWith(' 00:00')) return wall;
  return `${shanghaiDate(new Date(instant.getTime() - 1))} 24:00`;
}
