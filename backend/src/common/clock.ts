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

/** Shanghai days and wall times come from the contract, so server messages and the apps agree. */
export { shanghaiDay as shanghaiDate, shanghaiMinute, dueText } from '@lfxj/contracts';
