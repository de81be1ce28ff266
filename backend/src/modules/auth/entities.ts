import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn } from 'typeorm';
import { CreatedAt, UpdatedAt, Instant } from '../../db/columns';

/** A login session; ends on logout, password change, idleness or reuse of a rotated refresh token. */
@Entity('user_session')
export class UserSession {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'user_id', type: 'int' }) userId: number;
  @Instant('last_seen_at') lastSeenAt: Date;
  @Instant('expires_at') expiresAt: Date;
  @Instant('revoked_at', { nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoke_reason', type: 'varchar', length: 32, nullable: true }) revokeReason: string | null;
  @Column({ name: 'client_ip', type: 'varchar', length: 64, nullable: true }) clientIp: string | null;
  @CreatedAt() createdAt: Date;
}

/** Refresh tokens rotate: each is used once; a second use revokes the session. Only hashes are stored. */
@Entity('refresh_token')
export class RefreshToken {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'session_id', type: 'varchar', length: 36 }) sessionId: string;
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true }) tokenHash: string;
  @Instant('expires_at') expiresAt: Date;
  @Instant('used_at', { nullable: true }) usedAt: Date | null;
  @CreatedAt() createdAt: Date;
}

export type ThrottleScope = 'account' | 'address';

/**
 * Login failures, one row per account name as typed (known or not) or per client address; the
 * key is a SHA-256 of scope and subject, so names typed by mistake (often passwords) are not kept.
 * See LoginThrottleService.
 */
@Entity('login_throttle')
export class LoginThrottle {
  @PrimaryColumn({ name: 'key_hash', type: 'varchar', length: 64 }) keyHash: string;
  @Column({ type: 'varchar', length: 8 }) scope: ThrottleScope;
  /** Failures in the current window (episode). */
  @Column({ type: 'int', default: 0 }) failures: number;
  @Instant('window_started_at') windowStartedAt: Date;
  @Instant('last_failed_at') lastFailedAt: Date;
  /** Until then every attempt answers 429 (growing delay). */
  @Instant('blocked_until', { nullable: true }) blockedUntil: Date | null;
  /** The hard lock of an account name after sustained failures (423). */
  @Instant('locked_until', { nullable: true }) lockedUntil: Date | null;
  /** The account holder was told of the lock in this episode. */
  @Instant('notified_at', { nullable: true }) notifiedAt: Date | null;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}
