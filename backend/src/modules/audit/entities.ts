import { Entity, PrimaryGeneratedColumn, Column } from 'typeorm';
import { Instant } from '../../db/columns';

/**
 * Append-only audit trail (网络安全法 Art21: kept at least 6 months). Rows are written in the
 * transaction of the change they record; the sealer links them into a hash chain afterwards
 * (prev_hash, hash), so tamper evidence costs no write throughput.
 */
@Entity('audit_log')
export class AuditLog {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Instant('at') at: Date;
  @Column({ name: 'user_id', type: 'int', nullable: true }) userId: number | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) username: string | null;
  @Column({ name: 'org_id', type: 'int', nullable: true }) orgId: number | null;
  @Column({ type: 'varchar', length: 64 }) action: string;
  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true }) targetType: string | null;
  @Column({ name: 'target_id', type: 'varchar', length: 64, nullable: true }) targetId: string | null;
  @Column({ type: 'varchar', length: 8 }) outcome: 'success' | 'failure';
  @Column({ name: 'client_ip', type: 'varchar', length: 64, nullable: true }) clientIp: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true }) requestId: string | null;
  @Column({ type: 'text' }) details: string;
  @Column({ name: 'prev_hash', type: 'varchar', length: 64, nullable: true }) prevHash: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) hash: string | null;
  /** Position in the chain: rows are chained in the order they were sealed, not by id. */
  @Column({ name: 'seal_seq', type: 'bigint', nullable: true }) sealSeq: string | null;
}
