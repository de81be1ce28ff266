import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Party-name search probed from the scope (issue 8, search): a search by state and dates with a
 * common name prefix (王) reads the viewer's scope rows in order and asks of each case "has it a
 * party whose name starts so?". (case_id, name) answers that from the index alone; the old
 * (case_id) index needed a row read per party. It replaces (case_id), which it serves too.
 */
export class PartyProbe1765300000000 implements MigrationInterface {
  name = 'PartyProbe1765300000000';

  async up(q: QueryRunner): Promise<void> {
    // The new index first: a foreign key on case_id (if one is ever added) always has one to use.
    await q.createIndex('case_party', new TableIndex({ name: 'ix_case_party_case_name', columnNames: ['case_id', 'name'] }));
    await q.dropIndex('case_party', 'ix_case_party_case');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createIndex('case_party', new TableIndex({ name: 'ix_case_party_case', columnNames: ['case_id'] }));
    await q.dropIndex('case_party', 'ix_case_party_case_name');
  }
}
