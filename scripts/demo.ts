/*
 * `npm run demo`: two gateways on one machine — KR:KCS on 8080 and VN:GDVC on 8081, each with
 * its own embedded database, both trusting the development PKI (certs/dev, made on first run) —
 * register each other as partners with an agreement, send documents both ways through their
 * outboxes, and print a readable transcript: who sent what, the receipts' digests and whether
 * every signature and digest verified. test/exchange/demo.test.ts runs the same scenario.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config/index.ts';
import { devAgreement, type DatabaseAgreementStore } from '../src/exchange/agreements/index.ts';
import { queueOutbound, type QueuedMessage } from '../src/exchange/outbox/index.ts';
import { startServer, type RunningServer } from '../src/http/index.ts';
import { initDevPki, jwsTrustResolver, partyFiles, verifyReceipt, type DevPkiResult } from '../src/pki/index.ts';
import { loadRegistry, type Registry } from '../src/standards/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where the demo runs. */
export interface DemoOptions {
  /** Ports of KR:KCS and VN:GDVC (default 8080 and 8081). */
  ports?: { kr: number; vn: number };
  /** Directory of the two embedded databases (wiped first; default data/demo). */
  dataDir?: string;
  /** The development PKI (default certs/dev, made when missing). */
  certsDir?: string;
  /** Where the transcript goes (default: stdout). */
  print?: (line: string) => void;
  registry?: Registry;
}

/** One message of the demo and what was checked. */
export interface DemoStep {
  from: string;
  to: string;
  documentType: string;
  format: 'xml' | 'json';
  outboxId: string;
  messageId: string;
  attempts: number;
  bytesSent: number;
  sentSha256: string;
  receiptId: string;
  receiptDigest: string;
  /** The receipt is signed by the receiver, for this message, over exactly the bytes sent. */
  receiptVerified: boolean;
  /** The receiver archived exactly the bytes sent. */
  archivedSame: boolean;
}

type Gateway = { id: string; server: RunningServer };

async function waitDelivered(gw: Gateway, outboxId: string, timeoutMs = 60_000): Promise<{ envelope: Buffer; receipt: Record<string, unknown>; attempts: number }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await gw.server.app.db.query<{ state: string; envelope: Uint8Array; receipt: unknown; attempts: number; last_error: string | null }>(
      'SELECT state, envelope, receipt, attempts, last_error FROM exchange_outbox WHERE id = $1', [outboxId],
    );
    const r = rows[0]!;
    if (r.state === 'delivered') {
      return { envelope: Buffer.from(r.envelope), receipt: (typeof r.receipt === 'string' ? JSON.parse(r.receipt) : r.receipt) as Record<string, unknown>, attempts: r.attempts };
    }
    if (r.state === 'dead-letter' || Date.now() > until) throw new Error(`${gw.id}: message ${outboxId} not delivered (${r.state}): ${r.last_error ?? 'no answer yet'}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Run the two-gateway story; resolves with every step once both gateways have stopped. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoStep[]> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const ports = opts.ports ?? { kr: 8080, vn: 8081 };
  const dataDir = opts.dataDir ?? join(ROOT, 'data', 'demo');
  const certsDir = opts.certsDir ?? join(ROOT, 'certs', 'dev');
  const registry = opts.registry ?? loadRegistry();
  rmSync(dataDir, { recursive: true, force: true });
  const pki: DevPkiResult = await initDevPki(certsDir);

  const gateways: Gateway[] = [];
  const steps: DemoStep[] = [];
  try {
    for (const [id, port, dir] of [['KR:KCS', ports.kr, 'kr'], ['VN:GDVC', ports.vn, 'vn']] as const) {
      const { config } = loadConfig({ LOG_LEVEL: 'warn' }, {
        partyId: id, port, host: '127.0.0.1', dataDir: join(dataDir, dir), certsDir, warmupMs: 0, outboxPollMs: 100, logLevel: 'warn',
      });
      const server = await startServer(config, { deps: { devPki: pki, registry, logger: false } });
      gateways.push({ id, server });
      print(`${id.padEnd(8)} listening on ${server.url} (embedded database ${relative(process.cwd(), join(dataDir, dir)) || '.'}, development PKI ${relative(process.cwd(), certsDir) || '.'})`);
    }
    const [kr, vn] = gateways as [Gateway, Gateway];

    // Each registers the other as its partner: an agreement (a new version only when it changes).
    for (const [self, other] of [[kr, vn], [vn, kr]] as const) {
      const store = self.server.app.agreements as DatabaseAgreementStore;
      const { agreement, changed } = await store.apply(
        { ...devAgreement(other.id, registry), endpoint: other.server.url, retry: { attempts: 5, baseMs: 200, capMs: 5000 } },
        { actor: self.id, source: 'demo' },
      );
      print(`${self.id.padEnd(8)} agreement with ${other.id}: version ${agreement.version}${changed ? '' : ' (unchanged)'}, endpoint ${agreement.endpoint}, `
        + `${agreement.documents.length} document types both ways, retry ${agreement.retry.attempts}× (backoff ${agreement.retry.baseMs}–${agreement.retry.capMs} ms)`);
    }
    print('');

    const example = (type: string, name: string) => readFileSync(join(ROOT, 'standards', type, '1.0.0', 'examples', name));
    const vnStatus = Buffer.from(JSON.stringify({
      ...JSON.parse(example('eco.status', 'minimal.json').toString('utf8')) as object, issuer: 'VN:GDVC', certificateNumber: 'VN-GDVC-2025-000042',
    }));
    const plan: Array<[Gateway, Gateway, Buffer, string]> = [
      [kr, vn, example('eco.certificate', 'full.xml'), 'an e-CO (XML), signed by KR:KCS on the way out'],
      [kr, vn, example('eco.status', 'minimal.json'), 'a status change (JSON), signed by KR:KCS on the way out'],
      [vn, kr, vnStatus, 'a status change VN:GDVC issued (JSON), signed by VN:GDVC on the way out'],
    ];

    for (const [n, [from, to, document, what]] of plan.entries()) {
      const app = from.server.app;
      // The sending gateway's operator queues it (what `bxg send` and POST /v1/outbound do).
      const q: QueuedMessage = await queueOutbound({
        db: app.db, registry, trust: app.trust, agreements: app.agreements, signer: app.gatewaySigner, partyId: from.id,
        limits: { maxBytes: app.config.bodyLimit, maxDepth: app.config.maxDepth },
      }, { document, receiver: to.id, caller: { id: from.id, kind: 'gateway', roles: ['admin'] } });
      app.outbox.wake();
      print(`${n + 1}. ${from.id} → ${to.id}: ${what}`);
      print(`   queued   ${q.documentType} ${q.version} (${q.format}), message ${q.messageId}, envelope SHA-256 ${q.sha256}`);
      const d = await waitDelivered(from, q.outboxId);
      const sent = d.envelope;
      let receiptVerified = false;
      try {
        await verifyReceipt(d.receipt, jwsTrustResolver(app.trust), { expectedSigner: to.id, receivedBytes: sent, messageId: q.messageId });
        receiptVerified = true;
      } catch { /* reported below */ }
      const archived = await to.server.app.db.query<{ raw: Uint8Array }>('SELECT raw FROM exchange_messages WHERE sender = $1 AND message_id = $2', [from.id, q.messageId]);
      const archivedSame = !!archived.rows[0] && Buffer.from(archived.rows[0].raw).equals(sent);
      const digest = (d.receipt.receivedDigest as { value: string }).value;
      const mark = (ok: boolean) => (ok ? 'verified' : 'FAILED');
      print(`   delivered after ${d.attempts} attempt(s): ${to.id} answered with receipt ${String(d.receipt.receiptId)} (${String(d.receipt.verdict)})`);
      print(`   receipt  digest ${digest} = SHA-256 of the ${sent.length} bytes sent: ${mark(digest === createHash('sha256').update(sent).digest('base64'))}; `
        + `signature by ${to.id}: ${mark(receiptVerified)}`);
      print(`   archive  ${to.id} holds exactly the bytes sent: ${mark(archivedSame)}`);
      steps.push({
        from: from.id, to: to.id, documentType: q.documentType, format: q.format, outboxId: q.outboxId, messageId: q.messageId, attempts: d.attempts,
        bytesSent: sent.length, sentSha256: q.sha256, receiptId: String(d.receipt.receiptId), receiptDigest: digest, receiptVerified, archivedSame,
      });
    }
    const ok = steps.every((s) => s.receiptVerified && s.archivedSame);
    print('');
    print(`${steps.length} messages, ${steps.filter((s) => s.receiptVerified).length} receipts verified${ok ? '' : ' — SOMETHING FAILED'}.`);
    return steps;
  } finally {
    for (const g of gateways.reverse()) await g.server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const certs = join(ROOT, 'certs', 'dev');
  if (!existsSync(partyFiles(certs, 'KR:KCS').keyPath)) console.log('making the development PKI in certs/dev …');
  runDemo().then((steps) => {
    process.exitCode = steps.every((s) => s.receiptVerified && s.archivedSame) ? 0 : 1;
  }, (e: unknown) => {
    console.error(`demo: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
