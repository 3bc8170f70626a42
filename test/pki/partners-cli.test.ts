import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { partnersAdd, partnersList } from '../../src/cli/commands/partners.ts';
import { createTestPki } from '../support/test-pki.ts';
import { DEV_P12_PASSWORD } from '../../src/pki/dev/index.ts';
import { TrustStore } from '../../src/pki/trust/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, type OpensslCa } from './support/openssl-ca.ts';

let t: TestDatabase;
let trust: TrustStore;
let ca: OpensslCa;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  trust = new TrustStore(t.db);
  ca = createOpensslCa('Cambodia GDCE');
  dir = mkdtempSync(join(tmpdir(), 'bxg-partners-'));
}, 60_000);

afterAll(async () => {
  await t.cleanup();
  ca.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function p12(cert: { keyPath: string; certPath: string }, password: string, extra: string[] = []): string {
  const out = join(dir, `b${Math.random().toString(36).slice(2)}.p12`);
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', cert.keyPath, '-in', cert.certPath, '-out', out, '-passout', `pass:${password}`, ...extra], { stdio: 'pipe' });
  return out;
}

describe('partners add (functions on the test database)', () => {
  it('registers from an openssl PEM with the party CA, then rotates with openssl PKCS#12 bundles (RSA and EC)', async () => {
    const ecCert = ca.issue('gdce-ec');
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.cert.pem);
    expect(await partnersAdd(trust, { id: 'KH:GDCE', name: 'GDCE', kind: 'partner-customs', cert: ecCert.certPath, ca: [caFile] }))
      .toMatch(/^KH:GDCE: registered \(partner-customs\) with certificate /);
    const rsa = ca.issue('gdce-rsa', { key: 'rsa:2048' });
    expect(await partnersAdd(trust, { id: 'KH:GDCE', name: 'GDCE', kind: 'partner-customs', p12: p12(rsa, 'secret', ['-certfile', ca.cert.certPath]), password: 'secret' }))
      .toMatch(/added certificate/);
    const ec2 = ca.issue('gdce-ec-2');
    await partnersAdd(trust, { id: 'KH:GDCE', name: 'GDCE', kind: 'partner-customs', p12: p12(ec2, 'pw'), password: 'pw' });
    const party = await trust.getParty('KH:GDCE');
    expect(party!.certificates.map((c) => c.keyType).sort()).toEqual(['ec', 'ec', 'rsa']);
    const text = await partnersList(trust);
    expect(text).toContain('KH:GDCE\tpartner-customs\tGDCE\t3 active certificate(s)');
  });

  it('reads the bxg development PKCS#12 bundles (EC, PBES2/AES-256) and never stores a key', async () => {
    const pki = createTestPki({ label: 'cli' });
    await trust.addAuthority(pki.ca.certPem);
    const file = join(dir, 'vn.p12');
    writeFileSync(file, pki.p12('VN:GDVC'));
    expect(await partnersAdd(trust, { id: 'VN:GDVC', name: 'GDVC', kind: 'partner-customs', p12: file, password: DEV_P12_PASSWORD }))
      .toMatch(/^VN:GDVC: registered/);
    const { rows } = await t.db.query<{ der: Buffer }>("SELECT der FROM trust_certificates WHERE party_id = 'VN:GDVC'");
    expect(Buffer.from(rows[0]!.der).equals(pki.party('VN:GDVC').certDer)).toBe(true);
    await expect(partnersAdd(trust, { id: 'VN:GDVC', name: 'x', kind: 'partner-customs', p12: file, password: 'wrong' })).rejects.toThrow(/wrong --password/);
    await expect(partnersAdd(trust, { id: 'VN:GDVC', name: 'x', kind: 'partner-customs' })).rejects.toThrow(/exactly one/);
    await expect(partnersAdd(trust, { id: 'VN:X', name: 'x', kind: 'pirate', cert: file })).rejects.toThrow(/--kind/);
  });
});

describe('bxg partners / bxg pki crl import (the command, on an embedded database)', () => {
  it('adds, lists, imports an openssl CRL, revokes — and refuses an untrusted certificate with exit 1', async () => {
    const saved = { url: process.env.DATABASE_URL, data: process.env.DATA_DIR, log: process.env.LOG_LEVEL };
    delete process.env.DATABASE_URL;
    process.env.DATA_DIR = join(dir, 'db');
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
    const bxg = (...args: string[]) => main(['node', 'bxg', ...args]);
    try {
      const caFile = join(dir, 'ca2.pem');
      writeFileSync(caFile, ca.cert.pem);
      const a = ca.issue('cli-a');
      const b = ca.issue('cli-b');
      expect(await bxg('partners', 'add', '--id', 'KH:GDCE', '--name', 'GDCE', '--kind', 'partner-customs', '--cert', a.certPath, '--ca', caFile, '--role', 'admin')).toBe(0);
      expect(await bxg('partners', 'add', '--id', 'KH:GDCE', '--name', 'GDCE', '--kind', 'partner-customs', '--cert', b.certPath)).toBe(0);
      expect(await bxg('partners', 'list')).toBe(0);
      expect(out.join('\n')).toMatch(/KH:GDCE\tpartner-customs\tGDCE \[admin\]\t2 active/);

      ca.revoke(b);
      const crlFile = join(dir, 'crl.pem');
      writeFileSync(crlFile, ca.crl());
      expect(await bxg('pki', 'crl', 'import', crlFile)).toBe(0);
      expect(out.at(-2)).toMatch(/1 registered certificate\(s\) newly revoked/);

      const keyIdA = /certificate (\S+) /.exec(out[0]!)![1]!;
      expect(await bxg('partners', 'revoke', keyIdA, '--reason', 'superseded')).toBe(0);
      expect(await bxg('partners', 'list', '--json')).toBe(0);
      const listed = JSON.parse(out.at(-1)!) as Array<{ certificates: Array<{ status: string }> }>;
      expect(listed[0]!.certificates.map((c) => c.status)).toEqual(['revoked', 'revoked']);

      const stranger = createOpensslCa('Stranger');
      try {
        expect(await bxg('partners', 'add', '--id', 'XX:BAD', '--name', 'Bad', '--kind', 'partner-customs', '--cert', stranger.issue('bad').certPath)).toBe(1);
        expect(err.at(-1)).toMatch(/trust anchor/);
      } finally {
        stranger.cleanup();
      }
      expect(await bxg('partners', 'add', '--id', 'XX:BAD', '--name', 'Bad', '--kind', 'partner-customs')).toBe(2);
    } finally {
      log.mockRestore();
      error.mockRestore();
      if (saved.url !== undefined) process.env.DATABASE_URL = saved.url;
      if (saved.data === undefined) delete process.env.DATA_DIR; else process.env.DATA_DIR = saved.data;
    }
  }, 120_000);
});
