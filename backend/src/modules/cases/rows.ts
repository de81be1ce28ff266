/**
 * Plain SQL on the hot paths (a case's detail, a step): TypeORM's query building and hydration
 * were most of the backend's CPU there (issue 8). The statements go through the gate's
 * EntityManager like any other; the values are converted as TypeORM converts them, so the same
 * code runs on MariaDB/MySQL and SQLite.
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';

/** The columns of an entity's table (database name → metadata), looked up once per entity. */
const columnsOf = new WeakMap<EntityMetadata, Array<{ db: string; property: string; column: EntityMetadata['columns'][number] }>>();

/** A raw row of an entity's own table as the entity (each column as the driver's hydration gives it). */
export function hydrate<T extends ObjectLiteral>(em: EntityManager, target: EntityTarget<T>, raw: Record<string, unknown>): T {
  const meta = em.connection.getMetadata(target);
  let columns = columnsOf.get(meta);
  if (!columns) {
    columns = meta.columns.map((column) => ({ db: column.databaseName, property: column.propertyName, column }));
    columnsOf.set(meta, columns);
  }
  const entity = meta.create() as Record<string, unknown>;
  const { driver } = em.connection;
  for (const c of columns) {
    const value = raw[c.db];
    if (value !== undefined) entity[c.property] = driver.prepareHydratedValue(value, c.column);
  }
  return entity as T;
}

/** `FOR UPDATE` where the database has row locks (SQLite's write transactions already run one at a time). */
export const forUpdateSql = (em: EntityManager): string => (em.connection.options.type === 'mysql' ? ' FOR UPDATE' : '');

/** A write statement in the caller's transaction: the rows it changed and the id it generated. */
export async function execute(em: EntityManager, sql: string, params: unknown[]): Promise<{ affected: number; insertId: number }> {
  const raw = await em.query(sql, params) as { insertId?: number | string; affectedRows?: number } | number | bigint | undefined;
  // mysql2: a ResultSetHeader (insertId, affectedRows).
  if (raw !== null && typeof raw === 'object') return { affected: Number(raw.affectedRows ?? 0), insertId: Number(raw.insertId ?? 0) };
  // better-sqlite3 answers the last row id; the count of changed rows is asked of the same connection (in process, no round trip).
  const [{ n }] = await em.query('SELECT changes() AS n') as Array<{ n: number }>;
  return { affected: Number(n), insertId: Number(raw ?? 0) };
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row INSERT of `rows` rows of `width` values. */
export const valueRows = (rows: number, width: number): string => Array.from({ length: rows }, () => `(${Array(width).fill('?').join(', ')})`).join(', ');

/** A boolean column of a raw row (MariaDB 0/1 or '0'/'1' through a UNION, SQLite 0/1). */
export const readBool = (value: unknown): boolean => value === true || Number(value) === 1;

/** A nullable integer column of a raw row. */
export const readInt = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
