import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/index.js';
import { acrCommands } from '../../../src/cli/commands/acr.js';
import { ACR_PARTS } from '../../../src/cli/commands/acr-parts.js';

const names = (c: Command) => c.commands.map((x) => x.name());

test('dockyard --help lists the groups by their stubs exactly as the loaded groups', async () => {
  const whole = (await buildProgram()).helpInformation();
  for (const argv of [[], ['--help'], ['-h'], ['help'], ['no-such-command']])
    assert.equal((await buildProgram(argv)).helpInformation(), whole, argv.join(' '));
  const full = await buildProgram();
  const stubs = await buildProgram(['--help']);
  for (const c of full.commands) {
    const stub = stubs.commands.find((s) => s.name() === c.name());
    assert.equal(stub?.description(), c.description(), c.name());
  }
});

test('a group is built alone, for the words that follow it', async () => {
  assert.deepEqual(names(await buildProgram(['group', 'list'])).slice(0, 1), ['group']);
  const acr = (await buildProgram(['acr', 'show'])).commands[0];
  assert.equal(acr.name(), 'acr');
  assert.ok(!names(acr).includes('task'));
  assert.ok(names((await buildProgram(['acr', 'task', 'list'])).commands[0]).includes('task'));
});

test('acr parts: each adds exactly the names it is listed under; all together make acr in --help order', async () => {
  const whole = await acrCommands();
  const own = names(await acrCommands(['show']));
  const listed = ACR_PARTS.flatMap(([n]) => n);
  assert.deepEqual(names(whole), [...own, ...listed]);
  for (const [partNames] of ACR_PARTS) {
    for (const word of partNames) assert.deepEqual(names(await acrCommands([word])), [...own, ...partNames], word);
  }
  for (const word of [undefined, '--help', 'help', 'no-such'])
    assert.deepEqual(names(await acrCommands(word === undefined ? [] : [word])), names(whole), String(word));
});
