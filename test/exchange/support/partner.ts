import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Database } from '../../../src/db/index.ts';
import { GatewayError } from '../../../src/errors/index.ts';
import { createReceipt, type Signer, type TrustStore } from '../../../src/pki/index.ts';
import { NonceStore, signResponse, verifyRequestSignature } from '../../../src/pki/http-signatures/index.ts';
import { parseXml } from '../../../src/xml/index.ts';

/**
 * What the scripted partner does with one request (after it verified the request's signature):
 * - `accept`: 201 with a real signed receipt (200 with the stored one when it holds the message already);
 * - `fail`: that status (problem+json, signed), with `Retry-After` when given;
 * - `wrong-digest`: 201 with a signed receipt for other bytes;
 * - `wrong-signer`: 201 with a receipt signed by `otherSigner` (another trusted party);
 * - `unsigned-response`: 201 with a good receipt but no response signature;
 * - `hang`: never answers (the gateway's timeout ends it);
 * - `reject`: 422 problem+json (the message itself is refused);
 * - `delay`: as `accept`, after `ms` milliseconds.
 */
export type PartnerAction =
  | { kind: 'accept' } | { kind: 'fail'; status: number; retryAfter?: string } | { kind: 'wrong-digest' } | { kind: 'wrong-signer' }
  | { kind: 'unsigned-response' } | { kind: 'hang' } | { kind: 'reject' } | { kind: 'delay'; ms: number };

/** One request the partner received (every one, whatever it answered). */
export interface ReceivedRequest {
  messageId: string;
  sha256: string;
  bytes: Buffer;
  action: PartnerAction['kind'];
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
}

/** A scripted partner gateway on a real port. */
export interface ScriptedPartner {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Messages it accepted (by message id), with the bytes: each stored once. */
  stored: Map<string, { sha256: string; receipt: Record<string, unknown> }>;
  /** Actions for the next requests, in order; when empty, `fallback`. */
  script: PartnerAction[];
  fallback: PartnerAction;
  /** Requests whose signature did not verify (answered 401). */
  refusedSignatures: number;
  close(): Promise<void>;
}

/** The message id of an envelope, XML or JSON (what a partner reads to issue its receipt). */
function messageIdOf(bytes: Buffer): string {
  if (bytes[0] === 0x7b) {
    return ((JSON.parse(bytes.toString('utf8')) as { header: { messageId: string } }).header.messageId);
  }
  const doc = parseXml(bytes);
  try {
    return doc.find("//*[local-name()='Header']/*[local-name()='MessageId']")[0]!.content;
  } finally {
    doc.dispose();
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Start a partner gateway that verifies every request's RFC 9421 signature with the trust store
 * `trust` (the sender must be `expectedSender`) and answers as scripted, signing its responses
 * and receipts with `signer` (the partner's development key). It keeps what it stored by
 * message id, so a repeated delivery gets the stored receipt (200), as a real gateway does.
 */
export async function startScriptedPartner(opts: {
  trust: TrustStore; db: Database; signer: Signer; partyId: string; expectedSender: string; otherSigner?: Signer; otherPartyId?: string; port?: number;
}): Promise<ScriptedPartner> {
  const nonces = new NonceStore(opts.db);
  const sockets = new Set<Socket>();
  const partner: ScriptedPartner = {
    url: '', port: 0, received: [], stored: new Map(), script: [], fallback: { kind: 'accept' }, refusedSignatures: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = `${partner.url}${req.url}`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const send = (status: number, payload: Buffer, label: string | undefined, extra: Record<string, string> = {}) => {
      const base = { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...extra };
      const sig = label ? signResponse(opts.signer, { status, headers: base, body: payload }, { method: 'POST', url, headers, label }) : {};
      res.writeHead(status, { ...base, ...sig, 'content-length': String(payload.length) });
      res.end(payload);
    };
    let label: string;
    try {
      const v = await verifyRequestSignature({ method: req.method!, url, headers, body }, { trust: opts.trust, nonces }, { windowSeconds: 300 });
      if (v.signer.party.id !== opts.expectedSender) throw new Error(`signed by ${v.signer.party.id}`);
      label = v.label;
    } catch (e) {
      partner.refusedSignatures++;
      send(401, Buffer.from(JSON.stringify({ code: e instanceof GatewayError ? e.code : 'BXG_BAD_SIGNATURE', detail: (e as Error).message })), undefined);
      return;
    }
    const at = Date.now();
    const action = partner.script.shift() ?? partner.fallback;
    const messageId = messageIdOf(body);
    const sha256 = createHash('sha256').update(body).digest('base64');
    const record = (status: number) => partner.received.push({ messageId, sha256, bytes: body, action: action.kind, status, at });
    const receiptFor = (bytes: Uint8Array, signer = opts.signer, gateway = opts.partyId) =>
      createReceipt({ messageId, receivedBytes: bytes, verdict: 'ACCEPTED', gateway }, signer) as unknown as Record<string, unknown>;
    switch (action.kind) {
      case 'hang':
        record(0);
        return; // never answers
      case 'fail': {
        record(action.status);
        const problem = { type: 'about:blank', title: 'scripted failure', status: action.status, code: 'BXG_TEST_FAILURE', detail: `scripted ${action.status}` };
        send(action.status, Buffer.from(JSON.stringify(problem)), label, action.retryAfter ? { 'retry-after': action.retryAfter } : {});
        return;
      }
      case 'reject': {
        record(422);
        send(422, Buffer.from(JSON.stringify({ status: 422, code: 'BXG_DOCUMENT_SIGNATURE', detail: 'scripted refusal' })), label);
        return;
      }
      case 'wrong-digest':
        record(201);
        send(201, Buffer.from(JSON.stringify(receiptFor(Buffer.from('other bytes')))), label);
        return;
      case 'wrong-signer':
        record(201);
        send(201, Buffer.from(JSON.stringify(receiptFor(body, opts.otherSigner!, opts.otherPartyId!))), label);
        return;
      case 'unsigned-response':
        record(201);
        send(201, Buffer.from(JSON.stringify(receiptFor(body))), undefined);
        return;
      case 'delay':
        await new Promise((r) => setTimeout(r, action.ms));
      // falls through
      case 'accept': {
        const held = partner.stored.get(messageId);
        if (held) {
          const same = held.sha256 === sha256;
          record(same ? 200 : 409);
          send(same ? 200 : 409, Buffer.from(JSON.stringify(same ? held.receipt : { status: 409, code: 'BXG_DUPLICATE_MESSAGE' })), label);
          return;
        }
        const receipt = receiptFor(body);
        partner.stored.set(messageId, { sha256, receipt });
        record(201);
        send(201, Buffer.from(JSON.stringify(receipt)), label);
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  partner.port = (server.address() as AddressInfo).port;
  partner.url = `http://127.0.0.1:${partner.port}`;
  return partner;
}
