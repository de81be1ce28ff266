import { Entity, Column, PrimaryColumn } from 'typeorm';
import { Instant } from '../../db/columns';

/** A named lease so that one backend instance at a time does a piece of background work. */
@Entity('lease')
export class Lease {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'varchar', length: 64 }) holder: string;
  @Instant('expires_at') expiresAt: Date;
}
