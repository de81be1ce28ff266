import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { TypeORMDataSourceManager } from '@midwayjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** Database access: the data source, and write transactions that work the same on both databases. */
@Provide()
@Scope(ScopeEnum.Singleton)
export class Db {
  @Inject() private dataSourceManager: TypeORMDataSourceManager;
  private sqliteQueue: Promise<unknown> = Promise.resolve();

  get ds(): DataSource {
    return this.dataSourceManager.getDataSource('default');
  }

  get isMysql(): boolean {
    return this.ds.options.type === 'mysql';
  }

  get manager(): EntityManager {
    return this.ds.manager;
  }

  /**
   * Run `work` in one transaction. better-sqlite3 has a single connection, so SQLite
   * transactions are queued one after another instead of nesting by accident.
   */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.isMysql) return this.ds.transaction(work);
    const run = this.sqliteQueue.then(() => this.ds.transaction(work));
    this.sqliteQueue = run.catch(() => undefined);
    return run;
  }
}
