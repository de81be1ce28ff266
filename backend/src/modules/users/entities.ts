import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn, VersionColumn } from 'typeorm';
import type { Role, UserStatus } from '@lfxj/contracts';
import { CreatedAt, UpdatedAt, Instant } from '../../db/columns';

@Entity('app_user')
export class User {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 32, unique: true }) username: string;
  @Column({ name: 'display_name', type: 'varchar', length: 32 }) displayName: string;
  @Column({ name: 'org_id', type: 'int' }) orgId: number;
  @Column({ type: 'varchar', length: 20, nullable: true }) phone: string | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status: UserStatus;
  /** Never read unless asked for (`addSelect('u.passwordHash')`): only sign-in and the password change need it. */
  @Column({ name: 'password_hash', type: 'varchar', length: 100, select: false }) passwordHash: string;
  @Column({ name: 'must_change_password', type: 'boolean', default: true }) mustChangePassword: boolean;
  @Instant('temp_password_expires_at', { nullable: true }) tempPasswordExpiresAt: Date | null;
  @Instant('password_changed_at') passwordChangedAt: Date;
  @Instant('last_login_at', { nullable: true }) lastLoginAt: Date | null;
  @VersionColumn() version: number;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}

@Entity('user_role')
export class UserRole {
  @PrimaryColumn({ name: 'user_id', type: 'int' }) userId: number;
  @PrimaryColumn({ type: 'varchar', length: 32 }) role: Role;
}

/** The last N hashes, so a new password cannot repeat one of them. */
@Entity('password_history')
export class PasswordHistory {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'user_id', type: 'int' }) userId: number;
  @Column({ name: 'password_hash', type: 'varchar', length: 100 }) passwordHash: string;
  @CreatedAt() createdAt: Date;
}

/** Duty contacts of an organisation (who is told when work arrives); handed over when a person leaves. */
@Entity('org_contact')
export class OrgContact {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'org_id', type: 'int' }) orgId: number;
  @Column({ name: 'user_id', type: 'int' }) userId: number;
  @Column({ type: 'varchar', length: 16, default: 'duty' }) kind: string;
  @CreatedAt() createdAt: Date;
}

@Entity('user_handover')
export class UserHandover {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'from_user_id', type: 'int' }) fromUserId: number;
  @Column({ name: 'to_user_id', type: 'int', nullable: true }) toUserId: number | null;
  @Column({ name: 'by_user_id', type: 'int' }) byUserId: number;
  @Column({ name: 'new_status', type: 'varchar', length: 16 }) newStatus: UserStatus;
  @Column({ type: 'varchar', length: 500 }) reason: string;
  @Column({ type: 'varchar', length: 2000 }) items: string;
  @CreatedAt() createdAt: Date;
}
