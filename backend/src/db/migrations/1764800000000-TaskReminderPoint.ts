import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Each open task keeps the instant its next reminder is due, indexed, so the deadline scan reads
 * only the tasks whose time has come (in keyset batches) instead of every open task.
 */
export class TaskReminderPoint1764800000000 implements MigrationInterface {
  name = 'TaskReminderPoint1764800000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.driver.options.type === 'mysql';
    await q.addColumn('case_task', new TableColumn({ name: 'next_remind_at', type: 'datetime', precision: mysql ? 3 : undefined, isNullable: true }));
    await q.createIndex('case_task', new TableIndex({ name: 'ix_case_task_next_remind', columnNames: ['next_remind_at'] }));
    // Open tasks are looked at by the next scan, which then sets their next point.
    await q.query("UPDATE case_task SET next_remind_at = started_at WHERE status = 'open'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('case_task', 'ix_case_task_next_remind');
    await q.dropColumn('case_task', 'next_remind_at');
  }
}
