import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn } from 'typeorm';
import { CreatedAt, Instant } from '../../db/columns';

export type ReminderKind = 'new_task' | 'due_soon' | 'overdue' | 'escalation' | 'digest' | 'test' | 'account';
export type ReminderStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'digested';

/**
 * The outbox. The scan writes rows whose dedupe key (task, kind, recipient, window) is unique,
 * so a crash or a second instance cannot create a second one; the sender drains them.
 */
@Entity('reminder')
export class Reminder {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'dedupe_key', type: 'varchar', length: 191 }) dedupeKey: string;
  @Column({ type: 'varchar', length: 16 }) kind: ReminderKind;
  @Column({ type: 'varchar', length: 8 }) channel: 'sms' | 'inapp';
  @Column({ name: 'task_id', type: 'int', nullable: true }) taskId: number | null;
  @Column({ name: 'case_id', type: 'int', nullable: true }) caseId: number | null;
  @Column({ name: 'org_id', type: 'int', nullable: true }) orgId: number | null;
  @Column({ name: 'user_id', type: 'int', nullable: true }) userId: number | null;
  @Column({ type: 'varchar', length: 20, nullable: true }) phone: string | null;
  @Column({ name: 'template_code', type: 'varchar', length: 64, nullable: true }) templateCode: string | null;
  /** JSON of the template parameters. */
  @Column({ type: 'text' }) params: string;
  @Column({ type: 'varchar', length: 500 }) text: string;
  @Column({ type: 'varchar', length: 12, default: 'pending' }) status: ReminderStatus;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @Instant('next_attempt_at') nextAttemptAt: Date;
  /** `<instance id>#<process>`: who claimed the row to send it. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true }) claimedBy: string | null;
  @Instant('claimed_until', { nullable: true }) claimedUntil: Date | null;
  /** When the claim was taken, or renewed just before the provider call. */
  @Instant('claimed_at', { nullable: true }) claimedAt: Date | null;
  /**
   * The OutId of the provider call in progress or last made, written before the call: a row
   * left "sending" with an OutId may have gone out and is checked with the provider first.
   */
  @Column({ name: 'out_id', type: 'varchar', length: 64, nullable: true }) outId: string | null;
  @Column({ name: 'provider_id', type: 'varchar', length: 64, nullable: true }) providerId: string | null;
  @Column({ name: 'last_code', type: 'varchar', length: 64, nullable: true }) lastCode: string | null;
  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true }) lastError: string | null;
  /** Set when a digest message replaced this one. */
  @Column({ name: 'digest_id', type: 'int', nullable: true }) digestId: number | null;
  @Instant('sent_at', { nullable: true }) sentAt: Date | null;
  @CreatedAt() createdAt: Date;
}

/** Delivery log: queued, claimed, deferred, sent, retry, failed, cancelled, digested. Numbers never appear in full. */
@Entity('reminder_log')
export class ReminderLog {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'reminder_id', type: 'int' }) reminderId: number;
  @Column({ type: 'varchar', length: 16 }) event: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) code: string | null;
  @Column({ type: 'varchar', length: 300, nullable: true }) detail: string | null;
  @Column({ name: 'provider_id', type: 'varchar', length: 64, nullable: true }) providerId: string | null;
  @Instant('at') at: Date;
}

/**
 * One message the provider accepted for one number (whichever path sent it: reminder, digest,
 * account message, test, or a send confirmed after a crash). The daily cap counts these.
 */
@Entity('sms_delivery')
export class SmsDelivery {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'reminder_id', type: 'int', nullable: true }) reminderId: number | null;
  @Column({ type: 'varchar', length: 20 }) phone: string;
  @Column({ name: 'out_id', type: 'varchar', length: 64 }) outId: string;
  @Column({ name: 'provider_id', type: 'varchar', length: 64, nullable: true }) providerId: string | null;
  /** `send`, `batch`, or `confirmed` (found with the provider after the sender died). */
  @Column({ type: 'varchar', length: 12 }) via: 'send' | 'batch' | 'confirmed';
  @Instant('at') at: Date;
}

/** A person's choice to receive SMS of a kind (in-app reminders always stay on). */
@Entity('sms_preference')
export class SmsPreference {
  @PrimaryColumn({ name: 'user_id', type: 'int' }) userId: number;
  @PrimaryColumn({ type: 'varchar', length: 16 }) kind: ReminderKind;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
}

/**
 * How the last pass of a background job went (the deadline scan, the sender): one row per job,
 * written at the end of every pass by whichever instance ran it, read by /health and the
 * admins' console. A job that fails or stops completing is therefore seen, never only logged.
 */
@Entity('job_status')
export class JobStatus {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name: string;
  /** Of the latest completed pass. */
  @Column({ type: 'varchar', length: 12 }) state: 'ok' | 'failing';
  @Instant('last_pass_at') lastPassAt: Date;
  @Instant('last_success_at', { nullable: true }) lastSuccessAt: Date | null;
  @Instant('last_failure_at', { nullable: true }) lastFailureAt: Date | null;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError: string | null;
  /** Failed passes in a row (0 after a success). */
  @Column({ name: 'failures_in_row', type: 'int', default: 0 }) failuresInRow: number;
  @Column({ name: 'duration_ms', type: 'int', default: 0 }) durationMs: number;
  /** JSON of the latest pass's counts (tasks looked at, reminders written, failures; messages sent…). */
  @Column({ type: 'text' }) counts: string;
  @Column({ type: 'varchar', length: 64 }) instance: string;
}
