import { withDataSource, main } from './run';
import { Db } from '../common/db';

/** `npm run db:migrate`: apply pending migrations (the only way the schema changes). */
if (require.main === module) {
  main(() => withDataSource(async (ds) => {
    const done = await Db.over(ds).migrate();
    console.log(done.length ? `已执行迁移：${done.join('、')}` : '数据库已是最新结构。');
    return 0;
  }, { migrations: true }));
}
