/** The bench's smoke (bench.test.ts): `npm test` runs it once the platform is built. */
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleNameMapper: { '^@lfxj/contracts$': '<rootDir>/../../contracts/src/index.ts' },
  testTimeout: 180000,
  maxWorkers: 1,
};
