import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { append, buildEvidenceBundle, verifyEvidenceBundle, type AuditLog, type EvidenceMessage } from '../../src/audit/index.ts';
import type { Database } from '../../src/db/index.ts';
import { buildEnvelope } from '../../src/exchange/index.ts';
import { createReceipt, createSigner, signJsonDocument, verifyJsonDocument, trustedKeyFromCertificate } from '../../src/pki/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { bxgInProcess } from '../support/cli-in-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { manualLog, testPki } from './support/chain.ts';

// Issue 10: one evidence bundle per message, verified offline with only the trust anchors;
// a changed byte in any part is caught and named.

let t: TestDatabase;
let db: Database;
let log: AuditLog;
let bundle: Buffer;
let msg: EvidenceMessage;
const { pki, signer } = testPki();
const anchors = [pki.ca.certDer];

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  log = manualLog(db);
  const author = pki.party('VN:GDVC');
  const doc = signJsonDocument({ documentType: 'eco.status', version: '1.0.0', certificateNumber: 'VN-2026-000042', status: 'valid' }, createSigner(author.key, author.certDer));
  const id = randomUUID();
  const messageId = randomUUID();
  // A real exchange.envelope: \`bxg evidence verify\` also checks the author's signature inside it.
  const { bytes } = buildEnvelope({
    messageId, documentType: 'eco.status', version: '1.0.0', sender: 'VN:GDVC', receiver: 'KR:KCS',
    createdAt: '2026-11-30T07:00:00Z', conversationId: randomUUID(),
  }, { format: 'json', document: doc });
  const receipt = createReceipt({ messageId, receivedBytes: bytes, verdict: 'ACCEPTED', gateway: 'KR:KCS' }, signer);
  const sha = createHash('sha256').update(bytes).digest('hex');
  await db.transaction(async (tx) => {
    await append(tx, { actor: 'VN:GDVC', action: 'message.accepted', subject: id, payloadSha256: sha, details: { documentType: 'eco.status' } });
    await append(tx, { actor: 'system', action: 'receipt.issued', subject: id, details: { receiptId: receipt.receiptId } });
  });
  // Unrelated entries around it: the bundle proves its own entries without revealing these.
  for (let i = 0; i < 5; i++) await db.transaction((tx) => append(tx, { actor: 'QA:GAC', action: 'test.other', subject: `other-${i}` }));
  msg = {
    id, messageId, sender: 'VN:GDVC', receiver: 'KR:KCS', receivedAt: receipt.receivedAt, bytes, mediaType: 'application/json',
    receipt: receipt as unknown as Record<string, unknown>, requestSignature: { 'signature-input': 'sig1=("@method" "@target-uri" "content-digest");keyid="x"' },
    certificates: [author.certDer],
  };
  bundle = await buildEvidenceBundle(db, log, signer, 'KR:KCS', msg);
});
afterAll(async () => { await log.stop(); await t.cleanup(); });

/** The exchange part's document check, as the CLI wires it: the author's JWS inside the message. */
const verifyDocument = async (m: { bytes: Uint8Array }) => {
  const body = JSON.parse(Buffer.from(m.bytes).toString('utf8')) as { document: Record<string, unknown> };
  const author = pki.party('VN:GDVC');
  const { signer: s } = await verifyJsonDocument(body.document, trustedKeyFromCertificate(author.certDer), { expectedSigner: 'VN:GDVC' });
  return { author: s.party!.id };
};

function rezip(files: Record<string, Uint8Array>): Buffer {
  return Buffer.from(zipSync(files));
}

describe('evidence bundle', () => {
  it('holds the message, receipt, request signature, one proof per entry about it and the certificates, listed in a signed manifest', () => {
    const files = unzipSync(bundle);
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { files: Record<string, { role: string }>; entries: number[]; signature?: unknown };
    expect(manifest.signature).toBeDefined();
    const roles = Object.values(manifest.files).map((f) => f.role).sort();
    expect(roles.filter((r) => r === 'proof')).toHaveLength(2);
    expect(roles).toContain('message');
    expect(roles).toContain('receipt');
    expect(roles).toContain('request-signature');
    expect(roles.filter((r) => r === 'certificate').length).toBeGreaterThanOrEqual(2);
    expect(Buffer.from(files['message.json']!).equals(msg.bytes as Buffer)).toBe(true);
    // Other parties' entries are not in it (only hashes of hashes in the paths).
    expect(Object.values(files).some((b) => strFromU8(b).includes('other-'))).toBe(false);
  });

  it('verifies offline with only the trust anchors (and the document check)', async () => {
    const v = await verifyEvidenceBundle(bundle, { anchors, verifyDocument });
    expect(v).toMatchObject({ ok: true, gateway: 'KR:KCS', message: { id: msg.id, messageId: msg.messageId }, receipt: { verdict: 'ACCEPTED', signer: 'KR:KCS' }, document: { author: 'VN:GDVC' } });
    if (v.ok) expect(v.entries.map((e) => e.action)).toEqual(['message.accepted', 'receipt.issued']);
  });

  it('is refused under other trust anchors', async () => {
    const other = createTestPki({ label: 'other-ca' });
    const v = await verifyEvidenceBundle(bundle, { anchors: [other.ca.certDer] });
    expect(v).toMatchObject({ ok: false, part: 'manifest' });
  });

  it('one changed byte in any file is caught and the part named', async () => {
    const files = unzipSync(bundle);
    const expected: Record<string, string> = { 'manifest.json': 'manifest', 'message.json': 'message', 'receipt.json': 'receipt', 'request-signature.json': 'request-signature' };
    for (const name of Object.keys(files)) {
      const part = expected[name] ?? (name.startsWith('audit/') ? 'audit' : 'certificate');
      const copy = { ...files, [name]: Uint8Array.from(files[name]!) };
      const b = copy[name]!;
      // A byte inside the content, not the framing (a PEM's base64, a JSON value).
      const at = Math.floor(b.length / 2);
      b[at] = b[at] === 0x41 ? 0x42 : 0x41;
      const v = await verifyEvidenceBundle(rezip(copy), { anchors, verifyDocument });
      expect(v.ok, name).toBe(false);
      if (!v.ok) expect(v.part, `${name}: ${v.message}`).toBe(part);
    }
  });

  it('a file removed, a file added, a consistent rewrite without the key: each refused', async () => {
    const files = unzipSync(bundle);
    const proof = Object.keys(files).find((n) => n.startsWith('audit/'))!;
    const { [proof]: _removed, ...without } = files;
    expect(await verifyEvidenceBundle(rezip(without), { anchors })).toMatchObject({ ok: false, part: 'audit', file: proof });
    expect(await verifyEvidenceBundle(rezip({ ...files, 'extra.txt': strToU8('x') }), { anchors })).toMatchObject({ ok: false, part: 'bundle' });

    // Replace the message and fix the manifest's digest: the manifest's signature no longer verifies.
    const forged = Buffer.from(strFromU8(files['message.json']!).replace('VN-2026-000042', 'VN-2026-000043'));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { files: Record<string, { sha256: string }>; message: { sha256: string } };
    const sha = createHash('sha256').update(forged).digest('hex');
    manifest.files['message.json']!.sha256 = sha;
    manifest.message.sha256 = sha;
    const v = await verifyEvidenceBundle(rezip({ ...files, 'message.json': forged, 'manifest.json': strToU8(JSON.stringify(manifest)) }), { anchors });
    expect(v).toMatchObject({ ok: false, part: 'manifest' });
  });

  it('not a zip, or a zip bomb: refused as a bundle, without unpacking it', async () => {
    expect(await verifyEvidenceBundle(Buffer.from('not a zip'), { anchors })).toMatchObject({ ok: false, part: 'bundle' });
    const big = rezip({ 'manifest.json': new Uint8Array(2 * 1024 * 1024) });
    expect(await verifyEvidenceBundle(big, { anchors, maxBytes: 1024 * 1024 })).toMatchObject({ ok: false, part: 'bundle' });
  });
});

describe('bxg evidence verify', () => {
  it('exit 0 with what was proven; exit 1 naming the broken part; exit 2 without anchors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-evidence-'));
    const file = join(dir, 'evidence.zip');
    const ca = join(dir, 'ca.pem');
    writeFileSync(file, bundle);
    writeFileSync(ca, pki.ca.certPem);
    const ok = await bxgInProcess('evidence', 'verify', file, '--trust', ca);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^evidence intact: message [0-9a-f-]{36} from VN:GDVC to KR:KCS/);
    expect(ok.out).toMatch(/receipt .* ACCEPTED, signed by KR:KCS, acknowledges these bytes/);
    expect(ok.out).toMatch(/audit {5}entry \d+ message\.accepted under signed checkpoint #\d+/);
    expect(ok.out).toMatch(/document {2}signed by VN:GDVC/);

    const files = unzipSync(bundle);
    const receipt = Uint8Array.from(files['receipt.json']!);
    receipt[40] = receipt[40] === 0x41 ? 0x42 : 0x41;
    writeFileSync(file, rezip({ ...files, 'receipt.json': receipt }));
    const bad = await bxgInProcess('evidence', 'verify', file, '--trust', ca);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^evidence NOT intact: receipt \(receipt\.json\): /);

    const usage = await bxgInProcess('evidence', 'verify', file, '--trust', join(dir, 'missing.pem'));
    expect(usage.code).toBe(2);
  });
});

describe('bxg evidence export', () => {
  it('exports an archived message\'s bundle signed by this gateway (exportEvidence), refuses an unknown id (exit 1) and a malformed one (exit 2)', async () => {
    const { exportEvidence } = await import('../../src/cli/commands/evidence.ts');
    // The message above is not in this database's archive.
    await expect(exportEvidence(db, 'KR:KCS', signer, randomUUID())).rejects.toMatchObject({ message: expect.stringMatching(/^no message .* in the archive$/), exitCode: 1 });
    const usage = await bxgInProcess('evidence', 'export', 'not-a-uuid');
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/ID must be the message's archive id/);
  });
});
