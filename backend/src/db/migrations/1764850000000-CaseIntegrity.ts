import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

const utc = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
const shanghaiMidnight = (day: string) => utc(new Date(`${day}T00:00:00+08:00`));

/**
 * - The timeline keeps the actor's name and organisation's name as they were when the step was
 *   taken (a rename later that day must not rename earlier entries).
 * - A filing (备案) belongs to a transfer, not to a case: a case sent back and transferred
 *   again is filed again.
 * - An agency's case number is unique within the agency in the database itself, not only by a
 *   check that two requests can pass at once.
 */
export class CaseIntegrity1764850000000 implements MigrationInterface {
  name = 'CaseIntegrity1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('case_event', [
      new TableColumn({ name: 'actor_name', type: 'varchar', length: '32', default: "''" }),
      new TableColumn({ name: 'actor_org_name', type: 'varchar', length: '64', default: "''" }),
    ]);
    // Earlier entries: the person's name now, the organisation's name on the entry's day.
    for (const u of (await q.query('SELECT DISTINCT e.actor_user_id AS id, u.display_name AS name FROM case_event e JOIN app_user u ON u.id = e.actor_user_id')) as Array<{ id: number; name: string }>) {
      await q.query('UPDATE case_event SET actor_name = ? WHERE actor_user_id = ?', [u.name, u.id]);
    }
    const names = (await q.query('SELECT org_id, name, valid_from FROM org_name WHERE org_id IN (SELECT DISTINCT actor_org_id FROM case_event) ORDER BY org_id, valid_from')) as Array<{ org_id: number; name: string; valid_from: string | null }>;
    const byOrg = new Map<number, typeof names>();
    for (const n of names) byOrg.set(n.org_id, [...(byOrg.get(n.org_id) ?? []), n]);
    for (const [orgId, list] of byOrg) {
      for (let i = 0; i < list.length; i++) {
        const from = i === 0 || !list[i].valid_from ? null : shanghaiMidnight(String(list[i].valid_from).slice(0, 10));
        const next = list[i + 1]?.valid_from;
        const to = next ? shanghaiMidnight(String(next).slice(0, 10)) : null;
        await q.query(
          `UPDATE case_event SET actor_org_name = ? WHERE actor_org_id = ?${from ? ' AND at >= ?' : ''}${to ? ' AND at < ?' : ''}`,
          [list[i].name, orgId, ...(from ? [from] : []), ...(to ? [to] : [])],
        );
      }
    }

    await q.dropIndex('filing', 'uq_filing_case');
    await q.createIndex('filing', new TableIndex({ name: 'ix_filing_case', columnNames: ['case_id'] }));

    const dupes = (await q.query('SELECT agency_org_id, agency_case_no, COUNT(*) AS n FROM case_record GROUP BY agency_org_id, agency_case_no HAVING COUNT(*) > 1')) as Array<{ agency_org_id: number; agency_case_no: string }>;
    if (dupes.length) {
      throw new Error(`执法机关案件编号有重复，须先由管理员核实更正后再升级：${dupes.slice(0, 20).map((d) => `单位 ${d.agency_org_id} 的 ${d.agency_case_no}`).join('、')}`);
    }
    await q.dropIndex('case_record', 'ix_case_record_agency_no');
    await q.createIndex('case_record', new TableIndex({ name: 'uq_case_record_agency_no', columnNames: ['agency_org_id', 'agency_case_no'], isUnique: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('case_record', 'uq_case_record_agency_no');
    await q.createIndex('case_record', new TableIndex({ name: 'ix_case_record_agency_no', columnNames: ['agency_org_id', 'agency_case_no'] }));
    await q.dropIndex('filing', 'ix_filing_case');
    await q.createIndex('filing', new TableIndex({ name: 'uq_filing_case', columnNames: ['case_id'], isUnique: true }));
    await q.dropColumn('case_event', 'actor_org_name');
    await q.dropColumn('case_event', 'actor_name');
  }
}
