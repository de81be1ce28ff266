import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../config/env';
import { migratedSchemaDdl } from '../db/schema-dump';
import { main } from './run';

export const SCHEMA_FILE = path.resolve(__dirname, '../../../sql/schema.mysql.sql');

/** `npm run db:schema` (needs MySQL/MariaDB): regenerate sql/schema.mysql.sql from the migrations. */
if (require.main === module) {
  main(async () => {
    const ddl = await migratedSchemaDdl(loadConfig({ ...process.env, DB_TYPE: 'mysql' }), `lfxj_schema_${process.pid}`);
    fs.writeFileSync(SCHEMA_FILE, ddl);
    console.log(`已写入 ${SCHEMA_FILE}`);
    return 0;
  });
}
