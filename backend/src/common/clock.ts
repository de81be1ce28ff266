import { Provide, Scope, ScopeEnum } from '@midwayjs/core';

/**
 * The one source of "now". Everything time-dependent (lockouts, expiries, deadlines) asks the
 * clock, so tests can move time forward instead of sleeping.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class Clock {
  private offsetMs = 0;
  /** Test support: while frozen, time moves only when a test advances it. */
  private frozenAt: number | null = null;

  now(): Date {
    return new Date((this.frozenAt ?? Date.now()) + this.offsetMs);
  }

  /** Test support: stop the platform's clock (at now, or at an instant); `advance` still moves it. */
  freeze(instant: Date = this.now()): void {
    this.frozenAt = instant.getTime();
    this.offsetMs = 0;
  }

  /** Test support: move the platform's time forward. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Test support: put the platform's time at an instant (it then runs on from there). */
  set(instant: Date): void {
    this.offsetMs = instant.getTime() - (this.frozenAt ?? Date.now());
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Shanghai days and wall times come from the contract, so server messages and the apps agree. */
export { shanghaiDay as shanghaiDate, shanghaiMinute, dueText } from '@lfxj/contracts';
