import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

const CONTENT = ['at', 'user_id', 'username', 'org_id', 'action', 'target_type', 'target_id', 'outcome', 'client_ip', 'request_id', 'details'];

/**
 * The audit chain follows the order rows were sealed in (`seal_seq`), not their ids: on MySQL
 * a transaction can commit its row after a row with a higher id was already sealed, and an
 * id-ordered chain would never take it in (verification then reported tampering). The unique
 * index makes a second sealer's fork of the chain impossible.
 *
 * The append-only triggers are recreated as they were (SQLite drops them when it rebuilds
 * the table to add a column), and now also protect the seal position once set.
 */
export class AuditSealOrder1764860000000 implements MigrationInterface {
  name = 'AuditSealOrder1764860000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.driver.options.type === 'mysql';
    await q.query('DROP TRIGGER IF EXISTS audit_log_append_only');
    await q.query('DROP TRIGGER IF EXISTS audit_log_retention');
    await q.addColumn('audit_log', new TableColumn({ name: 'seal_seq', type: mysql ? 'bigint' : 'integer', isNullable: true }));
    // Rows sealed so far were sealed in id order.
    let seq = 0;
    for (let after = '0'; ;) {
      const rows = (await q.query('SELECT id FROM audit_log WHERE hash IS NOT NULL AND id > ? ORDER BY id LIMIT 1000', [after])) as Array<{ id: string | number }>;
      if (!rows.length) break;
      for (const r of rows) await q.query('UPDATE audit_log SET seal_seq = ? WHERE id = ?', [++seq, r.id]);
      after = String(rows[rows.length - 1].id);
    }
    await q.createIndex('audit_log', new TableIndex({ name: 'uq_audit_log_seal_seq', columnNames: ['seal_seq'], isUnique: true }));
    if (mysql) {
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
    await q.dropIndex('audit_log', 'uq_audit_log_seal_seq');
    await q.dropColumn('audit_log', 'seal_seq');
  }
}
