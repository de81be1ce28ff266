import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn } from 'typeorm';
import type { PeriodUnit, DeadlineExtension } from '@lfxj/contracts';
import { CreatedAt, Day } from '../../db/columns';

/** A deadline rule version. Rows are never edited: a correction is a new version, and tasks keep theirs. */
@Entity('deadline_rule')
export class DeadlineRule {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'rule_key', type: 'varchar', length: 48 }) ruleKey: string;
  @Column({ type: 'int' }) version: number;
  @Column({ type: 'varchar', length: 100 }) label: string;
  @Column({ type: 'int' }) amount: number;
  @Column({ type: 'varchar', length: 16 }) unit: PeriodUnit;
  @Column({ name: 'rollover_on_rest_day', type: 'boolean', default: true }) rolloverOnRestDay: boolean;
  @Column({ type: 'varchar', length: 1000 }) basis: string;
  /** JSON list of DeadlineExtension. */
  @Column({ type: 'text' }) extensions: string;
  @Column({ type: 'boolean', default: false }) unverified: boolean;
  @CreatedAt() createdAt: Date;

  extensionList(): DeadlineExtension[] {
    return JSON.parse(this.extensions) as DeadlineExtension[];
  }
}

/** Admin corrections of the holiday calendar (a new year's schedule before chinese-days has it). */
@Entity('calendar_override')
export class CalendarOverrideRow {
  @PrimaryGeneratedColumn() id: number;
  @Day('day', { nullable: false }) day: string;
  @Column({ type: 'varchar', length: 8 }) kind: 'workday' | 'holiday';
  @Column({ type: 'varchar', length: 64 }) name: string;
  @CreatedAt() createdAt: Date;
}

/** Years whose whole holiday schedule admins have entered as overrides. */
@Entity('calendar_year')
export class CalendarYear {
  @PrimaryColumn({ type: 'int' }) year: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) note: string | null;
  @CreatedAt() createdAt: Date;
}
