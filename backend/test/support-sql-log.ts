/**
 * The SQL statements the app sends while a piece of test code runs, caught at TypeORM's logger
 * (every query runner reports each statement to it, logging on or off) on every connection the
 * database gate holds: the writer and, on SQLite, the read-only reader.
 */
import type { DataSource } from 'typeorm';
import type { TestApp } from './support';

export interface Statement {
  sql: string;
  params: unknown[];
}

export interface SqlLog {
  /** Run `fn` and give back the statements sent meanwhile. */
  during: (fn: () => Promise<unknown>) => Promise<string[]>;
  /** The same, with each statement's parameters (to EXPLAIN it as sent). */
  capture: (fn: () => Promise<unknown>) => Promise<Statement[]>;
}

export async function sqlLog(t: TestApp): Promise<SqlLog> {
  // The reader is opened on first use: open it now, so its statements are caught too.
  await t.db.read(async () => undefined);
  const gate = t.db as unknown as { writer: DataSource; reader: DataSource | null };
  let seen: Statement[] | null = null;
  for (const ds of [gate.writer, gate.reader]) {
    if (!ds) continue;
    const logger = ds.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      seen?.push({ sql: query, params: parameters ?? [] });
      return original(query, parameters, runner);
    };
  }
  const capture = async (fn: () => Promise<unknown>): Promise<Statement[]> => {
    seen = [];
    try {
      await fn();
      return seen;
    } finally {
      seen = null;
    }
  };
  return { capture, during: async (fn) => (await capture(fn)).map((s) => s.sql) };
}

/** Statements that read or write the tables authentication uses. */
export const touchesAuthTables = (sql: string) => /\b(user_session|app_user|user_role)\b/i.test(sql);
