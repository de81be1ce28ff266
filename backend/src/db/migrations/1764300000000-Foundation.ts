import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaKit } from '../schema-kit';

/**
 * Directory, accounts, sessions, regulations, audit. Written with TypeORM's portable Table
 * API so one migration builds the same schema on MySQL/MariaDB and SQLite.
 */
export class Foundation1764300000000 implements MigrationInterface {
  name = 'Foundation1764300000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, idx, table } = schemaKit(q);

    await table('region', [c.id(), c.str('code', 32), c.str('kind', 16), c.int('parent_id', true), c.created()],
      [idx('uq_region_code', ['code'], true)]);
    await table('region_name', [c.id(), c.int('region_id'), c.str('name', 64), c.day('valid_from'), c.day('valid_to')],
      [idx('ix_region_name_region', ['region_id']), idx('ix_region_name_name', ['name'])]);
    await table('organisation', [
      c.id(), c.str('code', 32), c.str('kind', 16), c.int('region_id'), c.int('parent_id', true),
      c.str('domain', 16, true), c.str('status', 16, false, 'active'), c.version(), c.created(), c.updated(),
    ], [idx('uq_organisation_code', ['code'], true), idx('ix_organisation_region_kind', ['region_id', 'kind']),
      idx('ix_organisation_parent', ['parent_id'])]);
    await table('org_name', [
      c.id(), c.int('org_id'), c.str('name', 64), c.str('short_name', 32, true), c.day('valid_from'), c.day('valid_to'),
    ], [idx('ix_org_name_org', ['org_id']), idx('ix_org_name_name', ['name'])]);
    await table('org_succession', [
      c.id(), c.str('kind', 8), c.int('predecessor_id'), c.int('successor_id'), c.day('effective_on', false),
      c.str('note', 500, true), c.created(),
    ], [idx('uq_org_succession_pair', ['predecessor_id', 'successor_id'], true), idx('ix_org_succession_successor', ['successor_id'])]);
    await table('region_routing', [
      { name: 'region_id', type: 'int', isPrimary: true }, c.int('police_org_id'), c.int('procuratorate_org_id'),
      c.int('supervisory_org_id', true), c.str('note', 500, true), c.updated(),
    ]);

    await table('app_user', [
      c.id(), c.str('username', 32), c.str('display_name', 32), c.int('org_id'), c.str('phone', 20, true),
      c.str('status', 16, false, 'active'), c.str('password_hash', 100), c.bool('must_change_password', true),
      c.instant('temp_password_expires_at', true), c.instant('password_changed_at'), c.int('failed_login_count', false, 0),
      c.instant('locked_until', true), c.instant('last_login_at', true), c.version(), c.created(), c.updated(),
    ], [idx('uq_app_user_username', ['username'], true), idx('ix_app_user_org_status', ['org_id', 'status'])]);
    await table('user_role', [
      { name: 'user_id', type: 'int', isPrimary: true }, { name: 'role', type: 'varchar', length: '32', isPrimary: true },
    ], [idx('ix_user_role_role', ['role'])]);
    await table('password_history', [c.id(), c.int('user_id'), c.str('password_hash', 100), c.created()],
      [idx('ix_password_history_user', ['user_id'])]);
    await table('org_contact', [c.id(), c.int('org_id'), c.int('user_id'), c.str('kind', 16, false, 'duty'), c.created()],
      [idx('uq_org_contact', ['org_id', 'user_id', 'kind'], true), idx('ix_org_contact_user', ['user_id'])]);
    await table('user_handover', [
      c.id(), c.int('from_user_id'), c.int('to_user_id', true), c.int('by_user_id'), c.str('new_status', 16),
      c.str('reason', 500), c.str('items', 2000), c.created(),
    ], [idx('ix_user_handover_from', ['from_user_id'])]);
    await table('user_session', [
      { name: 'id', type: 'varchar', length: '36', isPrimary: true }, c.int('user_id'), c.instant('last_seen_at'),
      c.instant('expires_at'), c.instant('revoked_at', true), c.str('revoke_reason', 32, true), c.str('client_ip', 64, true),
      c.created(),
    ], [idx('ix_user_session_user', ['user_id'])]);
    await table('refresh_token', [
      c.id(), c.str('session_id', 36), c.char('token_hash', 64), c.instant('expires_at'), c.instant('used_at', true), c.created(),
    ], [idx('uq_refresh_token_hash', ['token_hash'], true), idx('ix_refresh_token_session', ['session_id'])]);

    await table('legal_organ', [c.id(), c.str('name', 64), c.str('kind', 16)], [idx('uq_legal_organ_name', ['name'], true)]);
    await table('regulation', [
      c.id(), c.str('code', 32, true), c.str('title', 200), c.str('category', 16), c.str('doc_number', 100, true),
      c.day('issued_on'), c.day('effective_on'), c.day('repealed_on'), c.str('status', 8), c.str('domains', 400, false, ''),
      c.text('summary', true), c.text('full_text', true, true), c.bool('unverified', false), c.str('note', 1000, true),
      c.version(), c.created(), c.updated(),
    ], [idx('uq_regulation_code', ['code'], true), idx('ix_regulation_category_status', ['category', 'status']),
      idx('ix_regulation_doc_number', ['doc_number']), idx('ix_regulation_title', ['title'])]);
    await table('regulation_issuer', [
      { name: 'regulation_id', type: 'int', isPrimary: true }, { name: 'organ_id', type: 'int', isPrimary: true },
    ], [idx('ix_regulation_issuer_organ', ['organ_id'])]);
    await table('regulation_article', [c.id(), c.int('regulation_id'), c.int('seq'), c.str('label', 32), c.text('text')],
      [idx('uq_regulation_article_seq', ['regulation_id', 'seq'], true)]);

    await table('audit_log', [
      c.id('bigint'), c.instant('at'), c.int('user_id', true), c.str('username', 64, true), c.int('org_id', true),
      c.str('action', 64), c.str('target_type', 32, true), c.str('target_id', 64, true), c.str('outcome', 8),
      c.str('client_ip', 64, true), c.str('request_id', 64, true), c.text('details'), c.char('prev_hash', 64, true),
      c.char('hash', 64, true),
    ], [idx('ix_audit_log_at', ['at']), idx('ix_audit_log_user_at', ['user_id', 'at']), idx('ix_audit_log_action_at', ['action', 'at'])]);
    await table('lease', [{ name: 'name', type: 'varchar', length: '64', isPrimary: true }, c.str('holder', 64), c.instant('expires_at')]);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'lease', 'audit_log', 'regulation_article', 'regulation_issuer', 'regulation', 'legal_organ', 'refresh_token',
      'user_session', 'user_handover', 'org_contact', 'password_history', 'user_role', 'app_user', 'region_routing',
      'org_succession', 'org_name', 'organisation', 'region_name', 'region',
    ]) await q.dropTable(t);
  }
}
