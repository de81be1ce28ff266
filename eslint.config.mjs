// Lint for the whole monorepo: TypeScript recommended rules; `any` needs a reason in a comment.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', '**/coverage/**', 'miniapp/config/**', '**/*.config.js', '**/*.config.cjs', 'backend/bootstrap.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // One gate to the database (backend/src/common/db.ts): nothing else opens transactions or
    // reaches for a connection, so SQLite writes stay queued and MySQL deadlocks are retried.
    files: ['backend/src/**/*.ts', 'backend/test/**/*.ts'],
    ignores: ['backend/src/common/db.ts', 'backend/src/db/**', 'backend/src/cli/run.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "MemberExpression[property.name='manager']", message: '数据库访问须经过 Db（common/db.ts）：不得直接使用 .manager' },
        { selector: "CallExpression[callee.property.name='transaction']:not([callee.object.name='db']):not([callee.object.property.name='db'])", message: '事务只能通过 Db.transaction 开启' },
        { selector: "MemberExpression[property.name=/^(createQueryRunner|queryRunner|getDataSource|dataSourceManager)$/]", message: '数据库访问须经过 Db（common/db.ts）' },
      ],
    },
  },
  {
    // Plain CommonJS that starts a backend instance in a child process from its TypeScript source.
    files: ['backend/test/child/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
