import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn } from 'typeorm';
import { CreatedAt, Instant } from '../../db/columns';

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
