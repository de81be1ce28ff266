import * as fs from 'fs';
import * as path from 'path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/env';
import { ENTITIES } from './entities';
import { Foundation1764300000000 } from './migrations/1764300000000-Foundation';
import { AuditAppendOnly1764400000000 } from './migrations/1764400000000-AuditAppendOnly';
import { Cases1764500000000 } from './migrations/1764500000000-Cases';
import { Reminders1764600000000 } from './migrations/1764600000000-Reminders';
import { TaskAssignee1764700000000 } from './migrations/1764700000000-TaskAssignee';
import { TaskReminderPoint1764800000000 } from './migrations/1764800000000-TaskReminderPoint';
import { CaseIntegrity1764850000000 } from './migrations/1764850000000-CaseIntegrity';
import { AuditSealOrder1764860000000 } from './migrations/1764860000000-AuditSealOrder';
import { SmsDelivery1764900000000 } from './migrations/1764900000000-SmsDelivery';
import { DeadlineRules1764950000000 } from './migrations/1764950000000-DeadlineRules';
import { LoginThrottle1764960000000 } from './migrations/1764960000000-LoginThrottle';
import { CaseScope1765000000000 } from './migrations/1765000000000-CaseScope';
import { JobStatus1765200000000 } from './migrations/1765200000000-JobStatus';
import { PartyProbe1765300000000 } from './migrations/1765300000000-PartyProbe';

export const MIGRATIONS = [Foundation1764300000000, AuditAppendOnly1764400000000, Cases1764500000000, Reminders1764600000000, TaskAssignee1764700000000,
  TaskReminderPoint1764800000000, CaseIntegrity1764850000000, AuditSealOrder1764860000000, SmsDelivery1764900000000,
  DeadlineRules1764950000000, LoginThrottle1764960000000, CaseScope1765000000000, JobStatus1765200000000,
  PartyProbe1765300000000];

/** One definition of the connection, shared by the app and the command-line tools. */
export function dataSourceOptions(cfg: AppConfig): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (cfg.db.type === 'mysql') {
    const server = { host: cfg.db.host, port: cfg.db.port, username: cfg.db.user, password: cfg.db.password, database: cfg.db.database };
    return {
      ...common, type: 'mysql', ...server, charset: 'utf8mb4_unicode_ci', timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true,
      extra: { connectionLimit: 10 },
      ...(cfg.db.replicas.length ? {
        replication: {
          master: server,
          slaves: cfg.db.replicas.map((r) => ({ ...server, host: r.host, port: r.port })),
          // TypeORM sends a SELECT without an explicit query runner to a replica unless told
          // otherwise: the primary is the default, only `db.read(work, { replica: true })` reads a replica.
          defaultMode: 'master',
          // A server that fails to connect 3 times in a row is skipped for 2 s, then tried again (never
          // dropped for good, or the primary would stay lost after an outage).
          removeNodeErrorCount: 3, restoreNodeTimeout: 2000, canRetry: true, selector: 'RR',
        },
      } : {}),
    };
  }
  if (cfg.db.sqlitePath !== ':memory:') fs.mkdirSync(path.dirname(cfg.db.sqlitePath), { recursive: true });
  return {
    ...common, type: 'better-sqlite3', database: cfg.db.sqlitePath,
    // WAL lets readers go on while one writer commits; foreign keys are not used, busy waits are.
    prepareDatabase: (db: { pragma: (s: string) => unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
    },
  };
}
