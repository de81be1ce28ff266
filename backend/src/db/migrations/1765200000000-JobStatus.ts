import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaKit } from '../schema-kit';

/**
 * The last pass of each background job (issue 8, item 5): the reminder scan once failed on every
 * pass and only logged it, so no reminder was written and nobody knew. /health and the admins'
 * console read this row.
 */
export class JobStatus1765200000000 implements MigrationInterface {
  name = 'JobStatus1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, table } = schemaKit(q);
    await table('job_status', [
      { name: 'name', type: 'varchar', length: '64', isPrimary: true }, c.str('state', 12), c.instant('last_pass_at'),
      c.instant('last_success_at', true), c.instant('last_failure_at', true), c.str('last_error', 500, true),
      c.int('failures_in_row', false, 0), c.int('duration_ms', false, 0), c.text('counts'), c.str('instance', 64),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('job_status');
  }
}
