import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/** A task can be given to a named officer of the organisation (reminders then go to them). */
export class TaskAssignee1764700000000 implements MigrationInterface {
  name = 'TaskAssignee1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('case_task', new TableColumn({ name: 'assignee_id', type: 'int', isNullable: true }));
    await q.createIndex('case_task', new TableIndex({ name: 'ix_case_task_assignee', columnNames: ['assignee_id', 'status'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('case_task', 'ix_case_task_assignee');
    await q.dropColumn('case_task', 'assignee_id');
  }
}
