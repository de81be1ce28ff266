import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaKit } from '../schema-kit';

/** Reminders: a transactional outbox with a delivery log, and each person's SMS choices. */
export class Reminders1764600000000 implements MigrationInterface {
  name = 'Reminders1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, idx, table } = schemaKit(q);
    await table('reminder', [
      c.id(), c.str('dedupe_key', 191), c.str('kind', 16), c.str('channel', 8), c.int('task_id', true), c.int('case_id', true),
      c.int('org_id', true), c.int('user_id', true), c.str('phone', 20, true), c.str('template_code', 64, true), c.text('params'),
      c.str('text', 500), c.str('status', 12, false, 'pending'), c.int('attempts', false, 0), c.instant('next_attempt_at'),
      c.str('claimed_by', 64, true), c.instant('claimed_until', true), c.str('provider_id', 64, true), c.str('last_code', 64, true),
      c.str('last_error', 300, true), c.int('digest_id', true), c.instant('sent_at', true), c.created(),
    ], [
      idx('uq_reminder_dedupe', ['dedupe_key'], true), idx('ix_reminder_status_next', ['status', 'next_attempt_at']),
      idx('ix_reminder_task_status', ['task_id', 'status']), idx('ix_reminder_phone_sent', ['phone', 'sent_at']),
    ]);
    await table('reminder_log', [
      c.id(), c.int('reminder_id'), c.str('event', 16), c.str('code', 64, true), c.str('detail', 300, true), c.str('provider_id', 64, true),
      c.instant('at'),
    ], [idx('ix_reminder_log_reminder', ['reminder_id'])]);
    await table('sms_preference', [
      { name: 'user_id', type: 'int', isPrimary: true }, { name: 'kind', type: 'varchar', length: '16', isPrimary: true },
      c.bool('enabled', true),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['sms_preference', 'reminder_log', 'reminder']) await q.dropTable(t);
  }
}
