import { performance } from 'perf_hooks';
import type { Role } from '@lfxj/contracts';

/** A live session of an active user, as the database showed it when it was read. */
export interface ResolvedSession {
  sessionId: string;
  userId: number;
  username: string;
  displayName: string;
  orgId: number;
  roles: Role[];
  mustChangePassword: boolean;
  lastSeenAt: Date;
  expiresAt: Date;
}

interface Entry {
  session: ResolvedSession;
  /** The app's clock (tests move it) and the process's monotonic clock (nobody moves it) at the read. */
  readAt: number;
  readAtMono: number;
}

/** Enough for every session active within a few seconds on one instance; beyond it the oldest go. */
const MAX_ENTRIES = 20_000;

/**
 * Who a session is, kept per instance for a few seconds (AUTH_CACHE_SECONDS) so most requests
 * cost no query for authentication. Only live sessions of active users are kept. An entry ends
 * when it is older than the lifetime on either the app's clock or the monotonic one, and at once
 * when this instance changes the session or its user (`forget…`). A read that began before such
 * a change is not stored (the generation moved on meanwhile), so a change cannot be undone by a
 * request that raced it.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(private readonly lifetimeMs: number) {}

  get enabled(): boolean {
    return this.lifetimeMs > 0;
  }

  /** Mark the start of a database read whose result may be stored. */
  mark(): number {
    return this.generation;
  }

  get(sessionId: string, now: Date): ResolvedSession | null {
    const entry = this.entries.get(sessionId);
    if (!entry) return null;
    const age = now.getTime() - entry.readAt;
    if (age < 0 || age >= this.lifetimeMs || performance.now() - entry.readAtMono >= this.lifetimeMs) {
      this.entries.delete(sessionId);
      return null;
    }
    return entry.session;
  }

  /** Keep what a read begun at `mark` found, unless something was forgotten since. */
  put(mark: number, session: ResolvedSession, now: Date): void {
    if (!this.enabled || mark !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.evict(now);
    this.entries.delete(session.sessionId);
    this.entries.set(session.sessionId, { session, readAt: now.getTime(), readAtMono: performance.now() });
  }

  forgetSession(sessionId: string): void {
    this.generation++;
    this.entries.delete(sessionId);
  }

  forgetUser(userId: number): void {
    this.generation++;
    for (const [sid, entry] of this.entries) if (entry.session.userId === userId) this.entries.delete(sid);
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: Date): void {
    for (const [sid] of this.entries) if (!this.get(sid, now)) this.entries.delete(sid);
    // Still full: the oldest reads go first (a Map keeps insertion order).
    for (const [sid] of this.entries) {
      if (this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(sid);
    }
  }
}
