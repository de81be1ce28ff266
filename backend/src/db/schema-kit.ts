import { QueryRunner, Table, TableColumnOptions, TableIndexOptions } from 'typeorm';

/**
 * Column and table helpers for migrations, written against TypeORM's portable Table API so one
 * migration builds the same schema on MySQL/MariaDB and SQLite. Migrations must stay stable:
 * change these helpers only in ways that keep the DDL of earlier migrations identical (the
 * schema test compares it).
 */
export function schemaKit(q: QueryRunner) {
  const mysql = q.connection.driver.options.type === 'mysql';
  const now = mysql ? 'CURRENT_TIMESTAMP(3)' : "(strftime('%Y-%m-%d %H:%M:%f','now'))";
  const c = {
    id: (type = 'int'): TableColumnOptions =>
      ({ name: 'id', type: mysql ? type : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }),
    int: (name: string, isNullable = false, def?: number): TableColumnOptions =>
      ({ name, type: 'int', isNullable, default: def }),
    str: (name: string, length: number, isNullable = false, def?: string): TableColumnOptions =>
      ({ name, type: 'varchar', length: String(length), isNullable, default: def === undefined ? undefined : `'${def}'` }),
    char: (name: string, length: number, isNullable = false): TableColumnOptions =>
      ({ name, type: 'char', length: String(length), isNullable }),
    text: (name: string, isNullable = false, big = false): TableColumnOptions =>
      ({ name, type: mysql && big ? 'mediumtext' : 'text', isNullable }),
    bool: (name: string, def: boolean): TableColumnOptions => ({ name, type: 'boolean', default: def ? 1 : 0 }),
    decimal: (name: string, isNullable = true): TableColumnOptions => ({ name, type: 'decimal', precision: 18, scale: 2, isNullable }),
    instant: (name: string, isNullable = false): TableColumnOptions =>
      ({ name, type: 'datetime', precision: mysql ? 3 : undefined, isNullable }),
    day: (name: string, isNullable = true): TableColumnOptions => ({ name, type: 'date', isNullable }),
    created: (): TableColumnOptions => ({ name: 'created_at', type: 'datetime', precision: mysql ? 3 : undefined, default: now }),
    updated: (): TableColumnOptions => ({
      name: 'updated_at', type: 'datetime', precision: mysql ? 3 : undefined, default: now,
      onUpdate: mysql ? 'CURRENT_TIMESTAMP(3)' : undefined,
    }),
    version: (): TableColumnOptions => ({ name: 'version', type: 'int', default: 1 }),
  };
  const idx = (name: string, columnNames: string[], isUnique = false): TableIndexOptions => ({ name, columnNames, isUnique });
  const table = (name: string, columns: TableColumnOptions[], indices: TableIndexOptions[] = []) =>
    q.createTable(new Table({ name, columns, indices, engine: mysql ? 'InnoDB' : undefined }));
  return { mysql, c, idx, table };
}
