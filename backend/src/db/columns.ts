import { Column, ColumnOptions, CreateDateColumn, UpdateDateColumn } from 'typeorm';

/** Instants are stored in UTC with millisecond precision on both databases. */
export const Instant = (name: string, options: ColumnOptions = {}) =>
  Column({ name, type: 'datetime', precision: 3, ...options });
export const CreatedAt = () => CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 });
export const UpdatedAt = () => UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 });
/** A calendar day (Asia/Shanghai) kept as 'YYYY-MM-DD'. */
export const Day = (name: string, options: ColumnOptions = {}) =>
  Column({ name, type: 'date', nullable: true, ...options });
