import { Provide, Scope, ScopeEnum, Inject, Init, ILogger, Logger, Destroy } from '@midwayjs/core';
import { TypeORMDataSourceManager } from '@midwayjs/typeorm';
import { DataSource, type EntityManager, type EntitySubscriberInterface, type InsertEvent, type UpdateEvent, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { AppError } from './app-error';
import { Clock } from './clock';
import { classifyDbError, conflictFor } from './db-errors';

/** How many times a transaction that lost a deadlock or timed out on a lock is tried in all. */
const MAX_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Work<T> = (em: EntityManager) => Promise<T>;
type Hook = () => Promise<unknown> | unknown;

export interface ReadOptions {
  /**
   * This read tolerates replication lag (a list, a search, statistics): it may be served by a
   * read replica. Never for what decides a write or access (the session, the user, the roles,
   * the case scope check), nor for what a user opens right after acting. No-op without replicas.
   */
  replica?: boolean;
}

/** A replica that cannot be reached is said once a minute, not once per request. */
const REPLICA_WARN_EVERY_MS = 60_000;

/**
 * Every instant the platform stores comes from the app's clock, never from the database
 * session (whose time zone can be +08:00, and which tests cannot move): created_at and
 * updated_at are stamped here on every insert and update, whichever API wrote the row.
 */
class ClockStamps implements EntitySubscriberInterface {
  constructor(private readonly now: () => Date) {}

  beforeInsert(event: InsertEvent<ObjectLiteral>): void {
    const row = event.entity as Record<string, unknown> | undefined;
    if (!row) return;
    const now = this.now();
    for (const column of ['createdAt', 'updatedAt']) {
      if (event.metadata.findColumnWithPropertyName(column) && row[column] === undefined) row[column] = now;
    }
  }

  beforeUpdate(event: UpdateEvent<ObjectLiteral>): void {
    const row = event.entity as Record<string, unknown> | undefined;
    if (row && event.metadata.findColumnWithPropertyName('updatedAt')) row.updatedAt = this.now();
  }
}

/**
 * The one gate to the database. Everything the platform reads or writes goes through
 * `read` or `transaction`; a lint rule forbids DataSource transactions and managers elsewhere.
 *
 * - SQLite (embedded default): TypeORM's better-sqlite3 driver has one connection, on which a
 *   second transaction would nest as a SAVEPOINT and roll back with the first. Write
 *   transactions are therefore queued one after another; reads use a second, read-only
 *   connection, so they never wait for a writer and never see uncommitted rows (WAL).
 * - MySQL / MariaDB: write transactions run at READ COMMITTED (no gap locks between
 *   neighbouring cases, and a locking read always sees the latest row), and one that loses a
 *   deadlock or a lock wait is tried again, a bounded number of times, after a jittered pause.
 * - Read replicas (MySQL/MariaDB, DB_REPLICA_HOSTS): every read and every transaction uses the
 *   primary, except reads that say they tolerate lag (`read(work, { replica: true })`).
 * - Either: a database that cannot be reached answers 503 (DB_UNAVAILABLE), a duplicate key 409.
 * - Work that must follow a commit (sending from the outbox) is registered with `afterCommit`.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class Db {
  @Inject() private dataSourceManager: TypeORMDataSourceManager;
  @Inject() private clock: Clock;
  @Logger() private logger: ILogger;
  private writer: DataSource;
  private reader: DataSource | null = null;
  private sqliteQueue: Promise<unknown> = Promise.resolve();
  private replicaWarnedAt = 0;
  private readonly hooks = new WeakMap<EntityManager, Hook[]>();

  @Init()
  init(): void {
    this.attach(this.dataSourceManager.getDataSource('default'));
  }

  /** The gate over a data source the caller opened (command-line tools). */
  static over(dataSource: DataSource, now: () => Date = () => new Date()): Db {
    const db = new Db();
    db.clock = { now } as Clock;
    db.logger = console as unknown as ILogger;
    db.attach(dataSource);
    return db;
  }

  private attach(dataSource: DataSource): void {
    this.writer = dataSource;
    if (!this.writer.subscribers.some((s) => s instanceof ClockStamps)) this.writer.subscribers.push(new ClockStamps(() => this.clock.now()));
  }

  get isMysql(): boolean {
    return this.writer.options.type === 'mysql';
  }

  /** Apply pending migrations (the only way the schema changes). */
  async migrate(): Promise<string[]> {
    return (await this.guard(() => this.writer.runMigrations({ transaction: 'each' }))).map((m) => m.name);
  }

  /** Read replicas are configured (MySQL/MariaDB `replication`). */
  get hasReplicas(): boolean {
    const options = this.writer.options as { replication?: { slaves?: unknown[] } };
    return this.isMysql && !!options.replication?.slaves?.length;
  }

  /**
   * Read-only work outside any transaction, on the primary unless `{ replica: true }` says it
   * tolerates lag. Never use it for a read that decides a write: do that inside the transaction,
   * where the rows can be locked.
   */
  read<T>(work: Work<T>, options: ReadOptions = {}): Promise<T> {
    if (options.replica && this.hasReplicas) return this.guard(() => this.onReplica(work));
    return this.guard(async () => work(await this.readManager()));
  }

  /**
   * A lag-tolerant read on a replica (one connection for the whole read). A replica that is down
   * or resting after failures does not fail the request: the read runs again on the primary,
   * which is always current (kinder than a 503, and reads can be repeated).
   */
  private async onReplica<T>(work: Work<T>): Promise<T> {
    const runner = this.writer.createQueryRunner('slave');
    try {
      return await work(runner.manager);
    } catch (err) {
      if (classifyDbError(err) !== 'unavailable') throw err;
      const now = Date.now();
      if (now - this.replicaWarnedAt >= REPLICA_WARN_EVERY_MS) {
        this.replicaWarnedAt = now;
        this.logger.warn('只读副本不可用，可容忍延迟的查询改由主库执行：%s', err instanceof Error ? err.message : String(err));
      }
    } finally {
      await runner.release().catch(() => undefined);
    }
    return work(await this.readManager());
  }

  /** One write transaction; retried as a whole after a deadlock, so `work` must only touch the database. */
  async transaction<T>(work: Work<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let em: EntityManager | undefined;
      try {
        const result = await this.runOnce(async (m) => {
          em = m;
          return work(m);
        });
        await this.runHooks(em);
        return result;
      } catch (err) {
        if (em) this.hooks.delete(em);
        const kind = err instanceof AppError ? 'app' : classifyDbError(err);
        if (kind === 'retry' && attempt < MAX_ATTEMPTS) {
          // Jitter: two transactions that deadlocked must not collide again at the same instant.
          await sleep(Math.round((10 * 2 ** attempt) * (0.5 + Math.random())));
          continue;
        }
        throw this.translate(err, kind);
      }
    }
  }

  /** Run `fn` once the transaction of `em` has committed (never when it rolls back). */
  afterCommit(em: EntityManager, fn: Hook): void {
    if (!em.queryRunner?.isTransactionActive) {
      throw new Error('afterCommit 只能在写事务中调用');
    }
    const list = this.hooks.get(em) ?? [];
    list.push(fn);
    this.hooks.set(em, list);
  }

  private async runHooks(em: EntityManager | undefined): Promise<void> {
    if (!em) return;
    const list = this.hooks.get(em) ?? [];
    this.hooks.delete(em);
    for (const fn of list) {
      // What follows a commit can fail without undoing it: the outbox keeps the work for later.
      await Promise.resolve().then(fn).catch((err: Error) => this.logger.warn('提交后的任务失败（稍后由后台任务重试）：%s', err.message));
    }
  }

  private runOnce<T>(work: Work<T>): Promise<T> {
    if (this.isMysql) return this.readCommitted(work);
    const run = this.sqliteQueue.then(() => this.writer.transaction(work));
    this.sqliteQueue = run.catch(() => undefined);
    return run;
  }

  /** The pooled connections whose session already runs its transactions at READ COMMITTED. */
  private readonly readCommittedSessions = new WeakSet<object>();

  /**
   * A MySQL/MariaDB transaction at READ COMMITTED. The level is set once per pooled connection
   * (for its session) rather than before every transaction: `SET TRANSACTION ISOLATION LEVEL`
   * ahead of each START TRANSACTION was one more round trip on every write (issue 8).
   */
  private async readCommitted<T>(work: Work<T>): Promise<T> {
    const runner = this.writer.createQueryRunner('master');
    try {
      const connection = (await runner.connect()) as object;
      if (!this.readCommittedSessions.has(connection)) {
        await runner.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
        this.readCommittedSessions.add(connection);
      }
      await runner.startTransaction();
      try {
        const result = await work(runner.manager);
        await runner.commitTransaction();
        return result;
      } catch (err) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw err;
      }
    } finally {
      await runner.release();
    }
  }

  private async readManager(): Promise<EntityManager> {
    // With replicas the data source's own manager still reads the primary (`defaultMode: 'master'`).
    if (this.isMysql) return this.writer.manager;
    const options = this.writer.options as { database: string };
    if (options.database === ':memory:') return this.writer.manager;
    if (!this.reader) {
      // A second connection to the same file; WAL lets it read committed data while a writer works.
      this.reader = new DataSource({ ...this.writer.options, readonly: true, migrations: [], subscribers: [], prepareDatabase: undefined } as never);
    }
    if (!this.reader.isInitialized) await this.reader.initialize();
    return this.reader.manager;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.translate(err, err instanceof AppError ? 'app' : classifyDbError(err));
    }
  }

  private translate(err: unknown, kind: ReturnType<typeof classifyDbError> | 'app'): unknown {
    if (kind === 'unavailable') {
      this.logger.error('数据库不可用：%s', err instanceof Error ? err.message : String(err));
      return new AppError('DB_UNAVAILABLE');
    }
    if (kind === 'retry') return new AppError('CONFLICT', '数据正被其他操作占用，请稍后重试');
    if (kind === 'duplicate') return conflictFor(err);
    return err;
  }

  @Destroy()
  async close(): Promise<void> {
    if (this.reader?.isInitialized) await this.reader.destroy();
  }
}

/**
 * Lock the rows a query selects until the transaction ends (SELECT … FOR UPDATE). SQLite has no
 * row locks and needs none: its write transactions already run one at a time.
 */
export function forUpdate<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  return qb.connection.driver.options.type === 'mysql' ? qb.setLock('pessimistic_write') : qb;
}
