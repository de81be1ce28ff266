import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { schemaKit } from '../schema-kit';

/**
 * SMS that survive a crash without a second copy: each outbox row records the OutId it is sent
 * with (before the provider call) and when its claim was taken, so a row left "sending" by a
 * dead instance can be checked with the provider (QuerySendDetails) instead of being re-sent.
 * Every message the provider accepted is one delivery row: the daily cap counts those.
 */
export class SmsDelivery1764900000000 implements MigrationInterface {
  name = 'SmsDelivery1764900000000';

  async up(q: QueryRunner): Promise<void> {
    const { c, idx, table, mysql } = schemaKit(q);
    await q.addColumn('reminder', new TableColumn({ name: 'out_id', type: 'varchar', length: '64', isNullable: true }));
    await q.addColumn('reminder', new TableColumn({ name: 'claimed_at', type: 'datetime', precision: mysql ? 3 : undefined, isNullable: true }));
    await table('sms_delivery', [
      c.id(), c.int('reminder_id', true), c.str('phone', 20), c.str('out_id', 64), c.str('provider_id', 64, true), c.str('via', 12),
      c.instant('at'),
    ], [idx('uq_sms_delivery_out_phone', ['out_id', 'phone'], true), idx('ix_sms_delivery_phone_at', ['phone', 'at'])]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('sms_delivery');
    await q.dropColumn('reminder', 'claimed_at');
    await q.dropColumn('reminder', 'out_id');
  }
}
