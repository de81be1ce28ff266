/** Tests boot the real app over HTTP against a real database (DB_TYPE=sqlite|mysql). */
module.exports = {
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
  testTimeout: 60000,
  maxWorkers: 1,
};
