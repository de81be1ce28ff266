/**
 * Tests boot the real app over HTTP against a real database. One jest run covers both
 * databases as two projects, so its workers stay busy across all files of both:
 * - sqlite: every file but the *.mysql.test.ts ones;
 * - mysql: the files that talk to a database (MariaDB/MySQL, DB_HOST…); files that test pure
 *   code (calendar, config, SMS driver, storage drivers) run once, in the sqlite project.
 * `TEST_DB=sqlite|mysql npx jest` runs one project only.
 */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
    }],
  },
  moduleNameMapper: { '^@lfxj/contracts$': '<rootDir>/../contracts/src/index.ts' },
};
const DB_FREE = ['calendar', 'config', 'sms-driver', 'storage'].map((f) => `/test/${f}\\.test\\.ts$`);

const projects = {
  sqlite: { ...shared, displayName: 'sqlite', setupFiles: ['<rootDir>/test/db-sqlite.js'], testPathIgnorePatterns: ['\\.mysql\\.test\\.ts$'] },
  mysql: { ...shared, displayName: 'mysql', setupFiles: ['<rootDir>/test/db-mysql.js'], testPathIgnorePatterns: DB_FREE },
};
const only = process.env.TEST_DB;
module.exports = {
  testTimeout: 60000,
  projects: only ? [projects[only]] : [projects.sqlite, projects.mysql],
};
