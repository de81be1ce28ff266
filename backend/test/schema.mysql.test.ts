import * as fs from 'fs';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/env';
import { migratedSchemaDdl, showCreateTables, showCreateTriggers, showReferenceRows } from '../src/db/schema-dump';
import { SCHEMA_FILE } from '../src/cli/dump-schema';
import { mysqlAdmin } from './support';
import { MIGRATIONS } from '../src/db/options';

/**
 * sql/schema.mysql.sql is exactly what the migrations build: load the file into one database,
 * run the migrations in another, and compare every table's SHOW CREATE TABLE.
 * (Runs in the MariaDB pass of `npm test`.)
 */
test('the migrations produce exactly sql/schema.mysql.sql', async () => {
  const cfg = loadConfig({ ...process.env, DB_TYPE: 'mysql' });
  const suffix = randomBytes(4).toString('hex');
  const migrated = await migratedSchemaDdl(cfg, `lfxj_mig_${suffix}`);
  const committed = fs.readFileSync(SCHEMA_FILE, 'utf8');
  if (migrated !== committed) {
    throw new Error('sql/schema.mysql.sql 与迁移生成的结构不一致：请运行 `npm run db:schema -w backend` 并检查差异');
  }

  // And the file itself loads into an empty database with the mysql client, as a DBA would.
  const admin = mysqlAdmin();
  await admin.initialize();
  const database = `lfxj_ddl_${suffix}`;
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const ds = new DataSource({ type: 'mysql', host: cfg.db.host, port: cfg.db.port, username: cfg.db.user, password: cfg.db.password, database });
  try {
    execFileSync('mysql', ['--protocol=tcp', '-h', cfg.db.host, '-P', String(cfg.db.port), '-u', cfg.db.user,
      ...(cfg.db.password ? [`-p${cfg.db.password}`] : []), database], { input: committed });
    await ds.initialize();
    const loaded = await showCreateTables(ds);
    expect(loaded.length).toBeGreaterThan(15);
    for (const { ddl } of loaded) expect(committed).toContain(`${ddl};`);
    expect(committed.match(/CREATE TABLE/g)).toHaveLength(loaded.length);
    const triggers = await showCreateTriggers(ds);
    expect(triggers).toHaveLength(2);
    for (const trigger of triggers) expect(committed).toContain(`${trigger};;`);
    // The reference data the migrations ship is there too (the app will not run them again).
    const rows = await showReferenceRows(ds);
    expect(rows.filter((r) => r.startsWith('INSERT INTO `deadline_rule`')).length).toBeGreaterThanOrEqual(14);
    for (const row of rows) expect(committed).toContain(row);
    expect(committed.match(/^INSERT INTO `(?!migrations`)/gm)).toHaveLength(rows.length);
    // The app then finds nothing left to migrate.
    expect((await ds.query('SELECT name FROM migrations')).length).toBe(MIGRATIONS.length);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.destroy();
  }
});
