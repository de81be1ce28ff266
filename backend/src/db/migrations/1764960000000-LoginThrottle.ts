import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { schemaKit } from '../schema-kit';

/**
 * Login failures move out of app_user into one table keyed by account name (known or not) and by
 * client address (issue 7, item 12): a count on app_user existed only for known accounts, which
 * told an outsider which names exist, and locked after 5 failures anyone could send. Locks in
 * force at the upgrade (at most 15 minutes under the old rule) are not carried over.
 */
export class LoginThrottle1764960000000 implements MigrationInterface {
  name = 'LoginThrottle1764960000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, idx, table } = schemaKit(q);
    await table('login_throttle', [
      { name: 'key_hash', type: 'varchar', length: '64', isPrimary: true }, c.str('scope', 8), c.int('failures', false, 0),
      c.instant('window_started_at'), c.instant('last_failed_at'), c.instant('blocked_until', true), c.instant('locked_until', true),
      c.instant('notified_at', true), c.created(), c.updated(),
    ], [idx('ix_login_throttle_last_failed', ['last_failed_at'])]);
    await q.dropColumn('app_user', 'failed_login_count');
    await q.dropColumn('app_user', 'locked_until');
  }

  async down(q: QueryRunner): Promise<void> {
    const mysql = q.connection.driver.options.type === 'mysql';
    await q.addColumn('app_user', new TableColumn({ name: 'failed_login_count', type: 'int', default: 0 }));
    await q.addColumn('app_user', new TableColumn({ name: 'locked_until', type: 'datetime', precision: mysql ? 3 : undefined, isNullable: true }));
    await q.dropTable('login_throttle');
  }
}
