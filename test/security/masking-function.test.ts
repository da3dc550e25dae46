import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  createLogger,
  DATA_DIR_PLACEHOLDER,
  knownSecrets,
  MASK,
  maskDeep,
  maskSecrets,
  registerDataDir,
  SecretSet,
} from '../../src/shared/index.js';
import { envelopeBody } from '../../src/http/index.js';
import { DockyardError } from '../../src/shared/index.js';

test('every occurrence is masked, longest first; JSON-escaped, URL-encoded and per-line forms too', () => {
  const set = new SecretSet().addAll(['p@ss "word"', 'p@ss', 'line-one\nline-two']);
  assert.equal(set.mask('a p@ss "word" b p@ss c'), `a ${MASK} b ${MASK} c`);
  assert.equal(set.mask(JSON.stringify({ v: 'p@ss "word"' })), `{"v":"${MASK}"}`);
  assert.equal(set.mask(`x=${encodeURIComponent('p@ss "word"')}`), `x=${MASK}`);
  assert.equal(set.mask('got line-two only'), `got ${MASK} only`);
});

test('short values: 1–2 characters are not masked inside text, but a string that IS the value is (within its own set)', () => {
  const set = new SecretSet().addAll(['ab', 'abc']);
  assert.equal(set.mask('tab abc'), `tab ${MASK}`);
  assert.deepEqual(set.maskDeep({ a: 'ab', b: 'tab', c: ['abc!'] }), { a: MASK, b: 'tab', c: [`${MASK}!`] });
  // The process-wide set never matches short values, so one run's `v1` secret does not mask another run's tag `v1`.
  new SecretSet({ parent: knownSecrets }).add('v1');
  assert.deepEqual(maskDeep({ tag: 'v1' }), { tag: 'v1' });
});

test('a run set feeds the process-wide set; the default set is the process-wide one', () => {
  const run = new SecretSet({ parent: knownSecrets });
  run.add('only-this-run-9911');
  assert.equal(maskSecrets('leak only-this-run-9911'), `leak ${MASK}`);
  assert.deepEqual(maskDeep({ m: 'only-this-run-9911' }), { m: MASK });
});

test('data-dir paths become <data-dir>; a sibling path that merely shares the prefix is left alone', () => {
  const off = registerDataDir('/tmp/dockyard-mask-dir');
  try {
    assert.equal(
      maskSecrets("ENOENT: open '/tmp/dockyard-mask-dir/work/x/Dockerfile'"),
      `ENOENT: open '${DATA_DIR_PLACEHOLDER}/work/x/Dockerfile'`,
    );
    assert.equal(maskSecrets('/tmp/dockyard-mask-dir2/y'), '/tmp/dockyard-mask-dir2/y');
  } finally {
    off();
  }
  assert.equal(maskSecrets('/tmp/dockyard-mask-dir/z'), '/tmp/dockyard-mask-dir/z');
});

test('API error bodies and the server log are masked with the known secrets', () => {
  knownSecrets.add('api-leak-4242');
  const body = envelopeBody(new DockyardError('InvalidParameter', "The value 'api-leak-4242' is invalid."), 'arm');
  assert.ok(!JSON.stringify(body).includes('api-leak-4242'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = createLogger('info', sink);
  log.info({ detail: { nested: 'x api-leak-4242 y' } }, 'message with api-leak-4242');
  log.error({ err: new Error('failed with api-leak-4242') }, 'boom');
  assert.equal(lines.length, 2);
  for (const l of lines) assert.ok(!l.includes('api-leak-4242'), l);
});
