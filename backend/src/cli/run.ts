import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/env';
import { dataSourceOptions } from '../db/options';

/** Command-line tools share the app's connection settings and print in Chinese. */
export async function withDataSource<T>(work: (ds: DataSource) => Promise<T>, opts: { migrations?: boolean } = {}): Promise<T> {
  const options = dataSourceOptions(loadConfig());
  const ds = new DataSource(opts.migrations ? options : { ...options, migrations: [] });
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

export function main(run: () => Promise<number>): void {
  run().then((code) => process.exit(code), (err: Error) => {
    console.error(`执行失败：${err.message}`);
    process.exit(2);
  });
}
