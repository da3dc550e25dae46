import tseslint from 'typescript-eslint';

// Module boundaries (docs/architecture.md): other modules are imported only through their index.ts, and some
// folders may not import some modules at all. Enforced with no-restricted-imports regexes on relative paths.
const MODULES = [
  'app',
  'config',
  'shared',
  'http',
  'storage',
  'events',
  'arm',
  'registry',
  'identity',
  'rbac',
  'network',
  'vault',
  'tasks',
  'cli',
  'web',
  'metrics',
];
const deepImport = {
  regex: `^(\\.\\./)+(${MODULES.join('|')})/(?!index\\.js$).+`,
  message: 'Import another module only through its index.ts (no reaching into its internals).',
};
const forbid = (mods, why) => ({ regex: `^(\\.\\./)+(${mods.join('|')})/`, message: why });

const rules = [
  {
    files: ['src/shared/**/*.ts'],
    forbid: MODULES.filter((m) => m !== 'shared'),
    why: 'shared/ is the kernel: it imports no other module.',
  },
  {
    files: ['src/http/**/*.ts', 'src/storage/**/*.ts', 'src/config/**/*.ts'],
    forbid: ['app', 'arm', 'registry', 'identity', 'rbac', 'network', 'vault', 'tasks', 'cli', 'web'],
    why: 'infrastructure folders import no feature module.',
  },
  {
    files: ['src/cli/**/*.ts'],
    forbid: MODULES.filter((m) => m !== 'shared' && m !== 'cli'),
    why: 'the CLI talks HTTP only and imports only shared/.',
  },
  {
    files: ['src/registry/**/*.ts'],
    forbid: ['identity', 'rbac', 'tasks', 'arm', 'vault', 'network', 'app', 'cli'],
    why: 'the registry receives an authenticated actor; it does not import identity/rbac.',
  },
  {
    files: ['src/tasks/**/*.ts'],
    forbid: ['registry', 'app', 'cli'],
    why: 'tasks push and pull through the registry HTTP API like any client.',
  },
  {
    files: ['src/metrics/**/*.ts'],
    forbid: [
      'app',
      'arm',
      'registry',
      'identity',
      'rbac',
      'network',
      'vault',
      'tasks',
      'cli',
      'web',
      'storage',
      'events',
    ],
    why: 'metrics is a port: the composition root feeds it; it imports no feature module.',
  },
  {
    files: ['src/arm/**/*.ts', 'src/identity/**/*.ts', 'src/rbac/**/*.ts', 'src/vault/**/*.ts', 'src/network/**/*.ts'],
    forbid: ['app', 'cli'],
    why: 'feature modules do not import the composition root or the CLI.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/web/dist/**', '.dockyard/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [deepImport] }],
    },
  },
  ...rules.map((r) => ({
    files: r.files,
    rules: { 'no-restricted-imports': ['error', { patterns: [deepImport, forbid(r.forbid, r.why)] }] },
  })),
  {
    // The entry point may load the task-file engine (tasks/spec, a pure library) on its own: `acr task validate`
    // without a server, without loading the task runner.
    files: ['src/bin/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...deepImport, regex: `^(\\.\\./)+(?!tasks/spec/index\\.js$)(${MODULES.join('|')})/(?!index\\.js$).+` },
          ],
        },
      ],
    },
  },
  {
    // The dashboard renders ARM/registry JSON whose shapes the API owns; it reads them loosely.
    files: ['src/web/app/**/*.ts', 'src/web/app/**/*.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'max-lines': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
