import { MigrationInterface, QueryRunner } from 'typeorm';

/** Content columns of an audit row: once written they never change (the sealer only adds hashes). */
const CONTENT = ['at', 'user_id', 'username', 'org_id', 'action', 'target_type', 'target_id', 'outcome', 'client_ip', 'request_id', 'details'];

/**
 * The database itself keeps the audit log append-only: a sealed row cannot be updated, an
 * unsealed one only gains its hashes, and no row younger than 180 days can be deleted
 * (网络安全法 Art21: logs kept at least six months). The hash chain still catches whoever
 * drops these triggers first.
 */
export class AuditAppendOnly1764400000000 implements MigrationInterface {
  name = 'AuditAppendOnly1764400000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'mysql') {
      const changed = CONTENT.map((c) => `NOT (NEW.\`${c}\` <=> OLD.\`${c}\`)`).join(' OR ');
      await q.query(
        'CREATE TRIGGER `audit_log_append_only` BEFORE UPDATE ON `audit_log` FOR EACH ROW '
        + `IF OLD.\`hash\` IS NOT NULL OR NOT (NEW.\`id\` <=> OLD.\`id\`) OR ${changed} THEN `
        + "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '审计日志只能追加，不能修改'; END IF");
      await q.query(
        'CREATE TRIGGER `audit_log_retention` BEFORE DELETE ON `audit_log` FOR EACH ROW '
        + 'IF OLD.`at` > UTC_TIMESTAMP(3) - INTERVAL 180 DAY THEN '
        + "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '审计日志至少保留 180 天'; END IF");
    } else {
      const changed = CONTENT.map((c) => `NEW.${c} IS NOT OLD.${c}`).join(' OR ');
      await q.query(
        `CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log WHEN OLD.hash IS NOT NULL OR NEW.id IS NOT OLD.id OR ${changed} `
        + "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END");
      await q.query(
        "CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log WHEN OLD.at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days') "
        + "BEGIN SELECT RAISE(ABORT, '审计日志至少保留 180 天'); END");
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS audit_log_append_only');
    await q.query('DROP TRIGGER IF EXISTS audit_log_retention');
  }
}
