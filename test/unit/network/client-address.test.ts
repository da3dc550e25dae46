import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, parseCidr } from '../../../src/network/index.js';

const SPOOF = { 'x-forwarded-for': '10.9.9.9', 'x-real-ip': '10.9.9.9', forwarded: 'for=10.9.9.9' };

test('clientAddress: the socket peer; forwarding headers are ignored without trusted proxies', () => {
  assert.equal(clientAddress('::ffff:127.0.0.2', SPOOF, []), '127.0.0.2');
  assert.equal(clientAddress('127.0.0.3', SPOOF, ['127.0.0.1']), '127.0.0.3');
  assert.equal(clientAddress(undefined, SPOOF, []), '');
});

test('clientAddress: behind a trusted proxy, the right-most untrusted X-Forwarded-For entry', () => {
  assert.equal(clientAddress('127.0.0.1', { 'x-forwarded-for': '1.2.3.4, 10.0.0.5' }, ['127.0.0.1']), '10.0.0.5');
  assert.equal(
    clientAddress('127.0.0.1', { 'x-forwarded-for': '1.2.3.4, 10.0.0.5' }, ['127.0.0.0/8', '10.0.0.0/8']),
    '1.2.3.4',
  );
  assert.equal(
    clientAddress('127.0.0.1', { 'x-real-ip': '1.2.3.4', forwarded: 'for=1.2.3.4' }, ['127.0.0.1']),
    '127.0.0.1',
  );
});

test('parseCidr rejects malformed ranges', () => {
  for (const bad of ['1.2.3.4/33', '1.2.3', '256.1.1.1', '1.2.3.4/', '1.2.3.4/8/9', 'a.b.c.d'])
    assert.equal(parseCidr(bad), undefined, bad);
  assert.deepEqual(parseCidr('10.1.2.3/8'), { base: 0x0a000000, mask: 0xff000000 });
});

test('clientAddress: a relayed browser address counts only with a valid proof under the server key', async () => {
  const { relayedClientHeader, FORWARDED_CLIENT_HEADER } = await import('../../../src/network/index.js');
  const key = Buffer.alloc(32, 7);
  const header = { [FORWARDED_CLIENT_HEADER]: relayedClientHeader('127.0.0.2', key) };
  assert.equal(clientAddress('127.0.0.1', header, [], key), '127.0.0.2');
  // Without the key (or with another), the header is ignored: the socket peer stays the client.
  assert.equal(clientAddress('127.0.0.1', header, []), '127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', header, [], Buffer.alloc(32, 8)), '127.0.0.1');
  // A proof for one address does not vouch for another.
  const forged = { [FORWARDED_CLIENT_HEADER]: header[FORWARDED_CLIENT_HEADER].replace('127.0.0.2', '127.0.0.9') };
  assert.equal(clientAddress('127.0.0.1', forged, [], key), '127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', { [FORWARDED_CLIENT_HEADER]: '127.0.0.2;' }, [], key), '127.0.0.1');
});
