/** Cross-package tests: the built platform in a real Chromium. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/browser'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleNameMapper: { '^@lfxj/contracts$': '<rootDir>/../contracts/src/index.ts' },
  testTimeout: 60000,
  maxWorkers: 1,
};
