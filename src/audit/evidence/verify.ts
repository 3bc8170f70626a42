import { createHash } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import {
  parseCertificate, readCertificates, trustedKeyFromCertificate, validatePath, verifyJsonDocument, verifyReceipt,
  type ParsedCertificate, type TrustedKey,
} from '../../pki/index.ts';
import { verifyInclusionProof, type InclusionProof } from '../proof.ts';
import { EVIDENCE_FORMAT, MANIFEST, type EvidenceManifest } from './bundle.ts';

/** Which part of a bundle a verdict is about. */
export type EvidencePart = 'bundle' | 'manifest' | 'message' | 'receipt' | 'request-signature' | 'document' | 'audit' | 'checkpoint' | 'timestamp' | 'certificate';

/** Checks the exchange part adds: the author's signature on the document inside the message. */
export type DocumentVerifier = (message: { bytes: Uint8Array; mediaType: string; documentKeyId?: string }, certificates: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], at: Date) => Promise<{ author: string }>;

/** Options of {@link verifyEvidenceBundle}. */
export interface EvidenceVerifyOptions {
  /** Trust anchors (DER): every signature in the bundle must chain to one of them. */
  anchors: readonly Uint8Array[];
  /** The time-stamping authority's CA certificates, when checkpoints carry tokens. */
  tsaAnchors?: readonly Uint8Array[];
  /** The document signature check; without it the bundle is verified but its document signature is not. */
  verifyDocument?: DocumentVerifier;
  /** Largest bundle, unpacked, in bytes (default 64 MiB): a bundle is untrusted input. */
  maxBytes?: number;
}

/** What {@link verifyEvidenceBundle} found. */
export type EvidenceVerdict =
  | {
    ok: true;
    gateway: string;
    message: EvidenceManifest['message'];
    receipt: { receiptId: string; verdict: string; receivedAt: string; signer: string };
    entries: Array<{ seq: number; action: string; checkpoint: number; timestamp?: string }>;
    document?: { author: string };
  }
  | { ok: false; part: EvidencePart; file?: string; message: string };

class Refusal extends Error {
  constructor(readonly part: EvidencePart, message: string, readonly file?: string) { super(message); }
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SAFE_NAME = /^(?:[a-z0-9-]+\/)?[A-Za-z0-9._-]{1,120}$/;

function unpack(bytes: Uint8Array, maxBytes: number): Record<string, Uint8Array> {
  let total = 0;
  let count = 0;
  try {
    return unzipSync(bytes, {
      filter: (f) => {
        total += f.originalSize;
        count += 1;
        if (total > maxBytes || count > 10_000) throw new Refusal('bundle', `the bundle unpacks to more than ${maxBytes} bytes or 10,000 files`);
        if (!SAFE_NAME.test(f.name)) throw new Refusal('bundle', `the bundle holds a file with an unexpected name: ${JSON.stringify(f.name.slice(0, 80))}`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof Refusal) throw e;
    throw new Refusal('bundle', `not a readable zip file (${(e as Error).message})`);
  }
}

function json(files: Record<string, Uint8Array>, name: string, part: EvidencePart): Record<string, unknown> {
  const b = files[name];
  if (!b) throw new Refusal(part, `${name} is missing`, name);
  try {
    const v: unknown = JSON.parse(strFromU8(b));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new Refusal(part, `${name} is not a JSON object (${(e as Error).message})`, name);
  }
}

/** A key resolver over the bundle's certificates: the one the JWS names, trusted by a path to the anchors at `at`. */
function resolverFor(certs: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], at: () => Date, part: EvidencePart) {
  return async (info: { kid?: string }): Promise<TrustedKey> => {
    const cert = certs.find((c) => c.keyId === info.kid);
    if (!cert) throw new Refusal(part, `the bundle holds no certificate for key id ${info.kid ?? '(none)'}`);
    try {
      await validatePath({ leaf: cert, anchors: [...anchors], intermediates: certs.filter((c) => c.isCa), at: at(), now: at(), purpose: 'document' });
    } catch (e) {
      throw new Refusal(part, `the signing certificate (${cert.subject}) is not trusted at ${at().toISOString()}: ${(e as Error).message}`);
    }
    return trustedKeyFromCertificate(cert.der);
  };
}

const TIME = (v: unknown): Date | undefined => {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
};

/**
 * Verify an evidence bundle offline, with only the trust anchors: the manifest's signature by
 * the exporting gateway, every file against the manifest's SHA-256, the receipt's signature and
 * that it acknowledges exactly the message's bytes, each audit entry's hash path to a signed
 * (and time-stamped) checkpoint and that it is about this message, and — with `verifyDocument`
 * — the author's signature on the document. The first failure is reported with the part (and
 * file) it is in.
 */
export async function verifyEvidenceBundle(bundle: Uint8Array, options: EvidenceVerifyOptions): Promise<EvidenceVerdict> {
  try {
    return await verify(bundle, options);
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, part: e.part, ...(e.file ? { file: e.file } : {}), message: e.message };
    throw e;
  }
}

async function verify(bundle: Uint8Array, options: EvidenceVerifyOptions): Promise<EvidenceVerdict> {
  const anchors = options.anchors.map((d) => parseCertificate(d));
  if (!anchors.length) throw new Refusal('certificate', 'no trust anchors given');
  const files = unpack(bundle, options.maxBytes ?? 64 * 1024 * 1024);

  // 1. The manifest and its signature (by a certificate of the bundle, trusted at export time).
  const signedManifest = json(files, MANIFEST, 'manifest');
  const manifest = signedManifest as unknown as EvidenceManifest;
  if (manifest.format !== EVIDENCE_FORMAT || manifest.v !== 1 || typeof manifest.files !== 'object' || manifest.files === null
    || typeof manifest.message !== 'object' || manifest.message === null || !Array.isArray(manifest.entries)) {
    throw new Refusal('manifest', `${MANIFEST} is not a ${EVIDENCE_FORMAT} v1 manifest`, MANIFEST);
  }
  const certFiles = Object.entries(manifest.files).filter(([, f]) => f?.role === 'certificate');
  const certs: ParsedCertificate[] = [];
  for (const [name] of certFiles) {
    const b = files[name];
    if (!b) throw new Refusal('certificate', `${name} is missing`, name);
    try {
      certs.push(...readCertificates(Buffer.from(b)).map((der) => parseCertificate(der)));
    } catch (e) {
      throw new Refusal('certificate', `${name} is not a certificate (${(e as Error).message})`, name);
    }
  }
  const exportedAt = TIME(manifest.exportedAt);
  if (!exportedAt) throw new Refusal('manifest', 'the manifest has no valid exportedAt', MANIFEST);
  try {
    await verifyJsonDocument(signedManifest, resolverFor(certs, anchors, () => exportedAt, 'manifest'), { expectedSigner: String(manifest.gateway) });
  } catch (e) {
    if (e instanceof Refusal) throw e;
    throw new Refusal('manifest', `the manifest's signature does not verify: ${(e as Error).message}`, MANIFEST);
  }

  // 2. Every file is the one the manifest lists (a changed byte is named by its file), and nothing else is there.
  for (const [name, f] of Object.entries(manifest.files)) {
    const b = files[name];
    const part: EvidencePart = f.role === 'proof' ? 'audit' : f.role;
    if (!b) throw new Refusal(part, `${name} is missing`, name);
    if (sha256(b) !== f.sha256) throw new Refusal(part, `${name} was changed: its SHA-256 differs from the signed manifest's`, name);
  }
  const extra = Object.keys(files).filter((n) => n !== MANIFEST && !(n in manifest.files));
  if (extra.length) throw new Refusal('bundle', `files not listed in the manifest: ${extra.join(', ')}`, extra[0]);

  // 3. The message and the receipt that acknowledges it.
  const [messageName] = Object.entries(manifest.files).find(([, f]) => f.role === 'message') ?? [];
  if (!messageName) throw new Refusal('message', 'the bundle holds no message');
  const message = files[messageName]!;
  if (sha256(message) !== manifest.message.sha256) throw new Refusal('message', `${messageName} is not the message the manifest describes`, messageName);
  const receiptDoc = json(files, 'receipt.json', 'receipt');
  const receivedAt = TIME(receiptDoc.receivedAt);
  if (!receivedAt) throw new Refusal('receipt', 'the receipt has no valid receivedAt', 'receipt.json');
  let receipt;
  try {
    receipt = await verifyReceipt(receiptDoc, resolverFor(certs, anchors, () => receivedAt, 'receipt'), {
      expectedSigner: String(manifest.gateway), receivedBytes: message, messageId: manifest.message.messageId,
    });
  } catch (e) {
    if (e instanceof Refusal) throw new Refusal('receipt', e.message, 'receipt.json');
    throw new Refusal('receipt', `the receipt does not verify: ${(e as Error).message}`, 'receipt.json');
  }

  // 4. The audit entries about the message, each proven to a signed checkpoint.
  const entries: Extract<EvidenceVerdict, { ok: true }>['entries'] = [];
  const proofNames = Object.entries(manifest.files).filter(([, f]) => f.role === 'proof').map(([n]) => n);
  if (!proofNames.length) throw new Refusal('audit', 'the bundle holds no audit entry about the message');
  for (const name of proofNames) {
    const proof = json(files, name, 'audit') as unknown as InclusionProof;
    if (proof.entry?.subject !== manifest.message.id) throw new Refusal('audit', `${name}: the entry is about ${String(proof.entry?.subject)}, not message ${manifest.message.id}`, name);
    const v = await verifyInclusionProof(proof, { trust: { anchors: options.anchors }, tsaAnchors: options.tsaAnchors });
    if (!v.ok) throw new Refusal(v.part === 'entry' || v.part === 'path' ? 'audit' : v.part, `${name}: ${v.message}`, name);
    entries.push({ seq: v.seq, action: proof.entry.action, checkpoint: v.checkpoint, ...(v.timestamp ? { timestamp: v.timestamp.genTime.toISOString() } : {}) });
  }
  const accepted = entries.length && proofNames.map((n) => json(files, n, 'audit') as unknown as InclusionProof)
    .find((p) => p.entry.action === 'message.accepted');
  if (accepted && accepted.entry.payloadSha256 !== manifest.message.sha256) {
    throw new Refusal('audit', `the message.accepted entry (${accepted.entry.seq}) records other bytes than the message's`);
  }

  // 5. The author's signature on the document, by the exchange part's rules.
  let document: { author: string } | undefined;
  if (options.verifyDocument) {
    try {
      document = await options.verifyDocument({ bytes: message, mediaType: manifest.message.mediaType, documentKeyId: manifest.message.documentKeyId }, certs, anchors, receivedAt);
    } catch (e) {
      throw new Refusal('document', `the document's signature does not verify: ${(e as Error).message}`, messageName);
    }
  }
  return {
    ok: true, gateway: manifest.gateway, message: manifest.message,
    receipt: { receiptId: receipt.receipt.receiptId, verdict: receipt.receipt.verdict, receivedAt: receipt.receipt.receivedAt, signer: receipt.signer.party?.id ?? receipt.signer.keyId },
    entries, ...(document ? { document } : {}),
  };
}
