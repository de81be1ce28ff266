import { Column, ColumnOptions } from 'typeorm';

/** Instants are stored in UTC with millisecond precision on both databases. */
export const Instant = (name: string, options: ColumnOptions = {}) =>
  Column({ name, type: 'datetime', precision: 3, ...options });
/**
 * created_at / updated_at: plain columns that the database gate stamps from the app's clock on
 * every insert and update (common/db.ts), never the database session's CURRENT_TIMESTAMP.
 */
export const CreatedAt = () => Instant('created_at');
export const UpdatedAt = () => Instant('updated_at');
/** A calendar day (Asia/Shanghai) kept as 'YYYY-MM-DD'. */
export const Day = (name: string, options: ColumnOptions = {}) =>
  Column({ name, type: 'date', nullable: true, ...options });
