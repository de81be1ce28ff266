import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';
import { schemaKit } from '../schema-kit';

const ROLES = [['agency', 'agency_org_id'], ['police', 'police_org_id'], ['procuratorate', 'procuratorate_org_id'], ['supervisory', 'supervisory_org_id']] as const;

/**
 * The scope rows of cases that exist (at the upgrade; the bench generator fills its million cases
 * by ranges with `where`; a test runs the same statements).
 */
export const caseScopeFill = (where = '1 = 1') => ROLES.map(([role, column]) => `INSERT INTO case_party_org (case_id, role, org_id, state, created_at)
  SELECT id, '${role}', ${column}, state, created_at FROM case_record WHERE ${column} IS NOT NULL AND (${where})`);
export const CASE_SCOPE_FILL = caseScopeFill();

/**
 * Case scope as one indexed lookup (issue 8): `case_party_org` holds one row per party
 * organisation of a case (the organisation itself, not its successors: successions are resolved
 * when the scope is computed, so a merger rewrites nothing here). It is written in the same
 * transaction as every change of a case's party organisations or state.
 *
 * - PK (case_id, role): the rows of one case, written by (case_id, role).
 * - (org_id, case_id): "may this viewer see case X" is one point lookup per scope organisation
 *   whatever the organisation's size (the optimiser may also take the four rows of the PK).
 * - (org_id, created_at, case_id) and (org_id, state, created_at, case_id): search pages in
 *   (created_at, id) order straight from the index, filtered by state and registration date.
 *   `state` and `created_at` are copies of the case's (created_at never changes; state moves
 *   with every step, in the step's transaction).
 * - case_record (region_id, created_at) and (region_id, state, created_at): the city
 *   procuratorate rule (every case of the city's regions) pages the same way.
 * - Number and party-name search match a prefix, which the indexes below serve; a match inside
 *   a name (LIKE '%x%') could only be a scan of every row.
 */
export class CaseScope1765000000000 implements MigrationInterface {
  name = 'CaseScope1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, idx, table, mysql } = schemaKit(q);
    await table('case_party_org', [
      { name: 'case_id', type: 'int', isPrimary: true }, { name: 'role', type: 'varchar', length: '16', isPrimary: true },
      c.int('org_id'), c.str('state', 32), { name: 'created_at', type: 'datetime', precision: mysql ? 3 : undefined },
    ], [
      idx('ix_case_party_org_probe', ['org_id', 'case_id']),
      idx('ix_case_party_org_org', ['org_id', 'created_at', 'case_id']),
      idx('ix_case_party_org_org_state', ['org_id', 'state', 'created_at', 'case_id']),
    ]);
    for (const sql of CASE_SCOPE_FILL) await q.query(sql);
    await q.createIndex('case_record', new TableIndex({ name: 'ix_case_record_region_created', columnNames: ['region_id', 'created_at'] }));
    await q.createIndex('case_record', new TableIndex({ name: 'ix_case_record_region_state', columnNames: ['region_id', 'state', 'created_at'] }));
    await q.createIndex('case_record', new TableIndex({ name: 'ix_case_record_agency_case_no', columnNames: ['agency_case_no'] }));
    await q.dropIndex('case_party', 'ix_case_party_name');
    await q.createIndex('case_party', new TableIndex({ name: 'ix_case_party_name', columnNames: ['name', 'case_id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('case_party', 'ix_case_party_name');
    await q.createIndex('case_party', new TableIndex({ name: 'ix_case_party_name', columnNames: ['name'] }));
    for (const name of ['ix_case_record_agency_case_no', 'ix_case_record_region_state', 'ix_case_record_region_created']) await q.dropIndex('case_record', name);
    await q.dropTable('case_party_org');
  }
}
