/**
 * A local certificate authority in the data dir, so TLS works with no openssl steps: an ECDSA P-256 CA (10 years) and a
 * server certificate it signs (1 year) for the API host, `*.<suffix>`, `*.vault.<suffix>`, `*.blob.<suffix>` and
 * 127.0.0.1. The server certificate is re-issued when it is within RENEW_BEFORE_DAYS of expiry or when the names it
 * must cover changed. Keys are written 0600 in a 0700 directory. Built on @peculiar/x509 over Node's WebCrypto.
 */
// @peculiar/x509 resolves its ASN.1 providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
export const RENEW_BEFORE_DAYS = 30;
const SERVER_DAYS = 365;
const CA_DAYS = 3650;

export interface LocalCaFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface ServerCredentials {
  /** PEM of the server certificate followed by the CA (the chain a client needs). */
  cert: string;
  key: string;
  ca: string;
  notAfter: Date;
  names: string[];
}

export const localCaFiles = (dataDir: string): LocalCaFiles => {
  const dir = join(dataDir, 'tls');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
};

/** The DNS names and IPs the server certificate must cover for a login-server suffix and API host. */
export function serverNames(suffix: string | undefined, apiHosts: string[]): string[] {
  const names = new Set<string>(['localhost', '127.0.0.1', ...apiHosts.map((h) => h.toLowerCase())]);
  if (suffix)
    for (const n of [suffix, `*.${suffix}`, `*.vault.${suffix}`, `*.blob.${suffix}`]) names.add(n.toLowerCase());
  return [...names].sort();
}

const isIp = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');

async function writeSecret(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, true, ['sign']);
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function loadOrCreateCa(
  f: LocalCaFiles,
  now: Date,
): Promise<{ cert: x509.X509Certificate; key: CryptoKey; pem: string }> {
  const [certPem, keyPem] = await Promise.all([
    readFile(f.caCert, 'utf8').catch(() => ''),
    readFile(f.caKey, 'utf8').catch(() => ''),
  ]);
  if (certPem && keyPem) {
    const cert = new x509.X509Certificate(certPem);
    if (cert.notAfter.getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY)
      return { cert, key: await importKey(keyPem), pem: certPem };
  }
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=Dockyard local CA ${now.toISOString().slice(0, 10)}, O=Dockyard`,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY),
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const pem = cert.toString('pem') + '\n';
  await writeSecret(f.caKey, await exportKey(keys.privateKey));
  await writeSecret(f.caCert, pem);
  return { cert, key: keys.privateKey, pem };
}

function sameNames(cert: x509.X509Certificate, names: string[]): boolean {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return false;
  const have = ext.names
    .toJSON()
    .map((n) => n.value.toLowerCase())
    .sort();
  return JSON.stringify(have) === JSON.stringify(names);
}

/**
 * The server certificate and key for `names`, issued by the local CA; created or renewed as needed.
 * `now` is injectable so renewal is testable.
 */
export async function ensureServerCertificate(
  dataDir: string,
  names: string[],
  now = new Date(),
): Promise<ServerCredentials & { renewed: boolean }> {
  const f = localCaFiles(dataDir);
  await mkdir(f.dir, { recursive: true, mode: 0o700 });
  await chmod(f.dir, 0o700);
  const ca = await loadOrCreateCa(f, now);
  const [certPem, keyPem] = await Promise.all([
    readFile(f.serverCert, 'utf8').catch(() => ''),
    readFile(f.serverKey, 'utf8').catch(() => ''),
  ]);
  if (certPem && keyPem) {
    const leafPem = certPem.split(/(?<=-----END CERTIFICATE-----)/)[0];
    const cert = new x509.X509Certificate(leafPem);
    const fresh = cert.notAfter.getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY;
    const signedByCa = await cert
      .verify({ publicKey: ca.cert.publicKey, signatureOnly: true }, webcrypto as never)
      .catch(() => false);
    if (fresh && signedByCa && sameNames(cert, names))
      return { cert: certPem, key: keyPem, ca: ca.pem, notAfter: cert.notAfter, names, renewed: false };
  }
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject: `CN=${names.find((n) => !n.startsWith('*') && !isIp(n)) ?? 'localhost'}, O=Dockyard`,
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(Math.min(now.getTime() + SERVER_DAYS * DAY, ca.cert.notAfter.getTime())),
    publicKey: keys.publicKey as never,
    signingKey: ca.key as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIp(n) ? 'ip' : 'dns', value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const chain = `${cert.toString('pem')}\n${ca.pem}`;
  const key = await exportKey(keys.privateKey);
  await writeSecret(f.serverKey, key);
  await writeSecret(f.serverCert, chain);
  return { cert: chain, key, ca: ca.pem, notAfter: cert.notAfter, names, renewed: true };
}
