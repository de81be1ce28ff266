import { withDataSource, main } from './run';

/** `npm run db:migrate`: apply pending migrations (the only way the schema changes). */
if (require.main === module) {
  main(() => withDataSource(async (ds) => {
    const done = await ds.runMigrations({ transaction: 'each' });
    console.log(done.length ? `已执行迁移：${done.map((m) => m.name).join('、')}` : '数据库已是最新结构。');
    return 0;
  }, { migrations: true }));
}
