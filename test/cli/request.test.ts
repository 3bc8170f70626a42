import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyFiles } from '../../src/pki/index.ts';
import { startTestServer, testDevPki, type TestServer } from '../support/app.ts';
import { freePort, runCli } from '../support/cli.ts';
import { unregisteredSigner } from '../support/signed.ts';

let h: TestServer;
let base: string;
let admin: string[];
let dir: string;

beforeAll(async () => {
  h = await startTestServer();
  base = h.config.publicUrl;
  const pki = await testDevPki();
  const kcs = partyFiles(pki.dir, 'KR:KCS');
  admin = ['--key', kcs.keyPath, '--cert', kcs.certPath];
  dir = mkdtempSync(join(tmpdir(), 'bxg-request-'));
});
afterAll(async () => h?.close());

describe('bxg request: signed calls over real HTTP, the answer verified', () => {
  it('GET the admin API: 200, the answer signature verified against GET /v1/gateway/certificates, the body printed; exit 0', async () => {
    const r = await runCli(['request', 'GET', `${base}/v1/admin/partners`, ...admin]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [status, verification, blank, ...body] = r.stdout.split('\n');
    expect(status).toBe('HTTP 200 OK');
    expect(verification).toMatch(new RegExp(`^response signature: verified, key [A-Za-z0-9_-]{43} \\(.*CN=Korea Customs Service; certificate from ${base}/v1/gateway/certificates\\)$`));
    expect(blank).toBe('');
    const parties = JSON.parse(body.join('\n')) as { parties: Array<{ id: string }> };
    expect(parties.parties.map((p) => p.id)).toContain('VN:GDVC');
  });

  it('POST a body from a file (Content-Digest and content-type signed), --json for scripts: the party is registered (201)', async () => {
    const pki = await testDevPki();
    const stranger = unregisteredSigner(pki, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'General Department of Customs and Excise', 'KH:GDCE');
    const file = join(dir, 'party.json');
    writeFileSync(file, JSON.stringify({ id: 'KH:GDCE', name: 'General Department of Customs and Excise', kind: 'partner-customs', certificates: [stranger.certificatePem] }));
    const r = await runCli(['request', 'POST', `${base}/v1/admin/partners`, '--data', `@${file}`, '--json', ...admin]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { status: number; verification: { verified: boolean }; body: { id: string; certificates: Array<{ keyId: string }> } };
    expect(out.status).toBe(201);
    expect(out.verification.verified).toBe(true);
    expect(out.body.certificates[0]!.keyId).toBe(stranger.keyId);

    // The same body again: a signed 409 problem answer, exit 1.
    const again = await runCli(['request', 'POST', `${base}/v1/admin/partners`, '--data', `@${file}`, '--json', ...admin]);
    expect(again.code).toBe(1);
    const refused = JSON.parse(again.stdout) as { status: number; verification: { verified: boolean }; body: { code: string } };
    expect([refused.status, refused.body.code, refused.verification.verified]).toEqual([409, 'BXG_CONFLICT', true]);
  });

  it('a URL other than PUBLIC_URL: 401 whose detail names the @target-uri the gateway used; the unsigned error answer is reported; exit 1', async () => {
    const other = base.replace('127.0.0.1', 'localhost');
    const r = await runCli(['request', 'GET', `${other}/v1/admin/partners`, ...admin]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('HTTP 401 Unauthorized');
    expect(r.stdout).toContain('response signature: NOT VERIFIED: the answer is not signed');
    expect(r.stdout).toContain(`problem: BXG_BAD_SIGNATURE: the request signature could not be verified. The gateway built the signature base with "@target-uri": ${base}/v1/admin/partners and the covered components ("@method" "@target-uri")`);
  });

  it('--trust pins the gateway certificate: another certificate does not verify the answer (exit 3)', async () => {
    const pki = await testDevPki();
    const good = await runCli(['request', 'GET', `${base}/v1/admin/partners`, '--trust', partyFiles(pki.dir, 'KR:KCS').certPath, ...admin]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`certificate from ${partyFiles(pki.dir, 'KR:KCS').certPath}`);
    const wrong = await runCli(['request', 'GET', `${base}/v1/admin/partners`, '--trust', partyFiles(pki.dir, 'VN:GDVC').certPath, ...admin]);
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toContain('HTTP 200 OK');
    expect(wrong.stdout).toContain('response signature: NOT VERIFIED: signed by a key that is not among the gateway certificates');
  });

  it('a public route answers unsigned: exit 3 unless --no-verify', async () => {
    const r = await runCli(['request', 'GET', `${base}/health`, ...admin]);
    expect(r.code).toBe(3);
    const n = await runCli(['request', 'GET', `${base}/health`, '--no-verify', ...admin]);
    expect(n.code).toBe(0);
    expect(n.stdout).toContain('response signature: not checked (--no-verify)');
  });

  it('usage and network errors: one line, exit 2', async () => {
    const port = await freePort();
    const runs = await Promise.all([
      runCli(['request', 'GET', `http://127.0.0.1:${port}/v1/admin/partners`, ...admin]),
      runCli(['request', 'FETCH', `${base}/v1/admin/partners`, ...admin]),
      runCli(['request', 'GET', '/v1/admin/partners', ...admin]),
      runCli(['request', 'POST', `${base}/v1/admin/partners`, '--data', `@${join(dir, 'missing.json')}`, ...admin]),
      runCli(['request', 'GET', `${base}/v1/admin/partners`]),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]!.stderr).toBe(`bxg: cannot reach http://127.0.0.1:${port}: connection refused; is the gateway running there?\n`);
    expect(runs[1]!.stderr).toContain('method must be one of');
    expect(runs[2]!.stderr).toContain('URL must be absolute');
    expect(runs[3]!.stderr).toMatch(/cannot read .*missing\.json: ENOENT/);
    expect(runs[4]!.stderr).toContain("required option '--key <file>' not specified");
  });
});
