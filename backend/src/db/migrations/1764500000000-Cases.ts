import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaKit } from '../schema-kit';

/** Cases and their workflow: events (the timeline), tasks, deadline rules, 备案 filings, documents, 通报. */
export class Cases1764500000000 implements MigrationInterface {
  name = 'Cases1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, idx, table } = schemaKit(q);

    await table('deadline_rule', [
      c.id(), c.str('rule_key', 48), c.int('version'), c.str('label', 100), c.int('amount'), c.str('unit', 16),
      c.bool('rollover_on_rest_day', true), c.str('basis', 1000), c.text('extensions'), c.bool('unverified', false), c.created(),
    ], [idx('uq_deadline_rule_key_version', ['rule_key', 'version'], true)]);
    await table('calendar_override', [c.id(), c.day('day', false), c.str('kind', 8), c.str('name', 64), c.created()],
      [idx('uq_calendar_override_day', ['day'], true)]);
    await table('calendar_year', [{ name: 'year', type: 'int', isPrimary: true }, c.str('note', 200, true), c.created()]);

    await table('case_record', [
      c.id(), c.str('platform_no', 32), c.str('agency_case_no', 64), c.str('title', 200), c.str('kind', 16),
      c.str('state', 32), c.int('agency_org_id'), c.int('region_id'), c.int('police_org_id', true),
      c.int('procuratorate_org_id', true), c.int('supervisory_org_id', true), c.str('suspected_offence', 100, true),
      c.decimal('amount_involved'), c.text('facts', true), c.text('penalty_info', true), c.int('created_by'),
      c.instant('closed_at', true), c.version(), c.created(), c.updated(),
    ], [
      idx('uq_case_record_platform_no', ['platform_no'], true), idx('ix_case_record_agency_no', ['agency_org_id', 'agency_case_no']),
      idx('ix_case_record_agency_created', ['agency_org_id', 'created_at']), idx('ix_case_record_police_created', ['police_org_id', 'created_at']),
      idx('ix_case_record_procuratorate_created', ['procuratorate_org_id', 'created_at']), idx('ix_case_record_state', ['state']),
    ]);
    await table('case_party', [
      c.id(), c.int('case_id'), c.str('kind', 8), c.str('name', 100), c.str('id_number', 32, true),
    ], [idx('ix_case_party_case', ['case_id']), idx('ix_case_party_name', ['name'])]);
    await table('case_regulation', [
      { name: 'case_id', type: 'int', isPrimary: true }, { name: 'regulation_id', type: 'int', isPrimary: true },
    ]);
    await table('case_event', [
      c.id(), c.int('case_id'), c.int('seq'), c.str('transition', 48), c.str('from_state', 32, true), c.str('to_state', 32),
      c.int('actor_user_id'), c.int('actor_org_id'), c.text('reason', true), c.text('details'), c.instant('at'),
    ], [idx('uq_case_event_seq', ['case_id', 'seq'], true)]);
    await table('case_task', [
      c.id(), c.int('case_id'), c.int('org_id'), c.str('state', 32), c.str('title', 200), c.str('rule_key', 48, true),
      c.int('rule_version', true), c.instant('started_at'), c.instant('due_at', true), c.bool('due_flagged', false),
      c.str('flag_reason', 300, true), c.str('status', 12, false, 'open'), c.int('opened_by_event_id'),
      c.int('closed_by_event_id', true), c.instant('closed_at', true),
    ], [idx('ix_case_task_org_status_due', ['org_id', 'status', 'due_at']), idx('ix_case_task_case_status', ['case_id', 'status'])]);
    await table('task_extension', [
      c.id(), c.int('task_id'), c.str('extension_key', 48), c.int('approved_by'), c.str('reason', 2000),
      c.instant('previous_due_at', true), c.instant('new_due_at'), c.instant('at'),
    ], [idx('ix_task_extension_task', ['task_id'])]);
    await table('filing', [
      c.id(), c.int('case_id'), c.int('procuratorate_org_id'), c.int('event_id'), c.instant('filed_at'), c.text('materials'),
      c.instant('signed_at', true), c.int('signed_by', true),
    ], [idx('uq_filing_case', ['case_id'], true), idx('ix_filing_procuratorate', ['procuratorate_org_id', 'signed_at'])]);
    await table('case_document', [
      c.id(), c.int('case_id'), c.int('event_id', true), c.str('doc_type', 32), c.str('file_name', 255), c.str('mime', 100),
      c.int('size'), c.char('sha256', 64), c.str('storage_key', 200), c.int('version', false, 1), c.int('replaces_id', true),
      c.bool('current', true), c.int('uploaded_by'), c.int('uploaded_by_org'), c.instant('uploaded_at'),
    ], [idx('ix_case_document_case', ['case_id', 'event_id']), idx('uq_case_document_storage_key', ['storage_key'], true)]);
    await table('notification', [
      c.id(), c.int('org_id'), c.int('case_id'), c.int('event_id', true), c.str('title', 200), c.str('body', 1000), c.created(),
    ], [idx('ix_notification_org', ['org_id', 'id'])]);
    await table('notification_read', [
      { name: 'notification_id', type: 'int', isPrimary: true }, { name: 'user_id', type: 'int', isPrimary: true }, c.created(),
    ], [idx('ix_notification_read_user', ['user_id'])]);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['notification_read', 'notification', 'case_document', 'filing', 'task_extension', 'case_task', 'case_event',
      'case_regulation', 'case_party', 'case_record', 'calendar_year', 'calendar_override', 'deadline_rule']) await q.dropTable(t);
  }
}
