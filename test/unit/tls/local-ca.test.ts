import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerCertificate, localCaFiles, serverNames, RENEW_BEFORE_DAYS } from '../../../src/tls/index.js';

test('the local CA issues a server certificate for the suffix, vault, blob and loopback names; keys are 0600', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names = serverNames('dockyard.test', ['127.0.0.1']);
  const first = await ensureServerCertificate(dir, names);
  assert.equal(first.renewed, true);
  const leaf = new X509Certificate(first.cert);
  const ca = new X509Certificate(first.ca);
  assert.ok(leaf.verify(ca.publicKey), 'signed by the local CA');
  assert.ok(leaf.checkIssued(ca));
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  for (const host of ['myregistry.dockyard.test', 'kv1.vault.dockyard.test', 'acct.blob.dockyard.test'])
    assert.ok(leaf.checkHost(host), host);
  assert.equal(leaf.checkHost('other.example'), undefined);
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  const f = localCaFiles(dir);
  assert.equal(statSync(f.dir).mode & 0o777, 0o700);
  for (const p of [f.caKey, f.serverKey]) assert.equal(statSync(p).mode & 0o077, 0, p);

  // Unchanged names and far from expiry: the same certificate.
  const again = await ensureServerCertificate(dir, names);
  assert.equal(again.renewed, false);
  assert.equal(again.cert, first.cert);
  // Other names: re-issued by the same CA.
  const more = await ensureServerCertificate(dir, serverNames('dockyard.test', ['127.0.0.1', '127.0.0.2']));
  assert.equal(more.renewed, true);
  assert.equal(more.ca, first.ca);
  assert.equal(new X509Certificate(more.cert).checkIP('127.0.0.2'), '127.0.0.2');
  // Close to expiry: renewed before it lapses.
  const later = new Date(leaf.validTo);
  later.setDate(later.getDate() - RENEW_BEFORE_DAYS + 1);
  const renewed = await ensureServerCertificate(dir, serverNames('dockyard.test', ['127.0.0.1', '127.0.0.2']), later);
  assert.equal(renewed.renewed, true);
  assert.ok(new Date(new X509Certificate(renewed.cert).validTo) > new Date(leaf.validTo));
  assert.equal(readFileSync(f.caCert, 'utf8'), first.ca, 'the CA itself is kept');
});
