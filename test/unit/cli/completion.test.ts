import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildProgram } from '../../../src/cli/index.js';
import { completionScript, completionTable } from '../../../src/cli/commands/completion.js';

test('dockyard --help lists serve and completion', async () => {
  const help = (await buildProgram()).helpInformation();
  assert.match(help, /^\s+serve\s+Start the Dockyard server/m);
  assert.match(help, /^\s+completion \[options\] <shell>|^\s+completion <shell>/m);
});

test('the completion table covers nested commands and their options', async () => {
  const t = completionTable(await buildProgram());
  assert.ok(t.get('')!.includes('acr'));
  assert.ok(t.get('acr')!.includes('task'));
  assert.ok(t.get('acr task')!.includes('validate'));
  assert.ok(t.get('acr task run')!.includes('--no-wait'));
  assert.ok(t.get('acr task run')!.includes('--registry'));
});

/** What bash completes for `words` (the last one being typed). */
async function complete(shell: 'bash' | 'zsh', words: string[]): Promise<string[]> {
  const script = completionScript(await buildProgram(), shell);
  const arr = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `${shell === 'zsh' ? 'autoload() { :; }; bashcompinit() { :; }; ' : ''}eval "$SCRIPT"; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _dockyard; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { env: { ...process.env, SCRIPT: script }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('bash completes command paths and options, skipping option values', async () => {
  assert.deepEqual(await complete('bash', ['dockyard', 'ac']), ['acr', 'account']);
  assert.ok((await complete('bash', ['dockyard', 'acr', 'ta'])).includes('task'));
  assert.deepEqual(await complete('bash', ['dockyard', 'acr', 'task', 'val']), ['validate']);
  assert.ok(
    (await complete('bash', ['dockyard', 'acr', 'task', 'run', '-n', 'mytask', '--no-'])).includes('--no-wait'),
  );
  assert.deepEqual(await complete('bash', ['dockyard', 'completion', 'z']), []);
  assert.ok((await complete('zsh', ['dockyard', 'se'])).includes('serve'));
});
