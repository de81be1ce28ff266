/**
 * The SQL statements the app sends while a piece of test code runs, caught at TypeORM's logger
 * (every query runner reports each statement to it, logging on or off) on every connection the
 * database gate holds: the writer and, on SQLite, the read-only reader.
 */
import type { DataSource } from 'typeorm';
import type { TestApp } from './support';

export interface SqlLog {
  /** Run `fn` and give back the statements sent meanwhile. */
  during: (fn: () => Promise<unknown>) => Promise<string[]>;
}

export async function sqlLog(t: TestApp): Promise<SqlLog> {
  // The reader is opened on first use: open it now, so its statements are caught too.
  await t.db.read(async () => undefined);
  const gate = t.db as unknown as { writer: DataSource; reader: DataSource | null };
  let seen: string[] | null = null;
  for (const ds of [gate.writer, gate.reader]) {
    if (!ds) continue;
    const logger = ds.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      seen?.push(query);
      return original(query, parameters, runner);
    };
  }
  return {
    during: async (fn) => {
      seen = [];
      try {
        await fn();
        return seen;
      } finally {
        seen = null;
      }
    },
  };
}

/** Statements that read or write the tables authentication uses. */
export const touchesAuthTables = (sql: string) => /\b(user_session|app_user|user_role)\b/i.test(sql);
