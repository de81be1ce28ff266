import { Bootstrap } from '@midwayjs/bootstrap';
import * as path from 'path';

/**
 * `npm run db:seed`: boot the app once with seeding on (migrations first, then the idempotent
 * seed of sql/seed/), on a throw-away port, and stop.
 */
if (require.main === module) {
  process.env.SEED_ON_START = 'true';
  process.env.PORT = '0';
  Bootstrap.configure({ baseDir: path.resolve(__dirname, '..') }).run()
    .then(() => Bootstrap.stop())
    .then(() => {
      console.log('种子数据已导入。');
      process.exit(0);
    }, (err: Error) => {
      console.error(`种子数据导入失败：${err.message}`);
      process.exit(2);
    });
}
