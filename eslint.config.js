import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

const modules = ['app', 'config', 'shared', 'http', 'storage', 'events', 'arm', 'registry', 'identity', 'rbac', 'network', 'vault', 'tasks', 'cli', 'web', 'bin'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/web/dist/**', '.dockyard/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['src/**/*.ts'],
      'boundaries/elements': modules.map((m) => ({ type: m, pattern: `src/${m}/**`, mode: 'full', capture: ['rest'] })),
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'boundaries/element-types': [
        'error',
        {
          default: 'allow',
          rules: [
            { from: 'shared', disallow: modules.filter((m) => m !== 'shared') },
            { from: ['http', 'storage', 'config'], disallow: ['app', 'arm', 'registry', 'identity', 'rbac', 'network', 'vault', 'tasks', 'cli', 'web'] },
            { from: 'cli', disallow: modules.filter((m) => !['shared', 'cli'].includes(m)) },
            { from: ['registry'], disallow: ['identity', 'rbac', 'tasks', 'arm', 'vault', 'network', 'app', 'cli'] },
            { from: ['tasks'], disallow: ['registry', 'app', 'cli'] },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'max-lines': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
