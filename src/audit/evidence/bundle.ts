import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import type { Queryable } from '../../db/index.ts';
import { NotFoundError } from '../../errors/index.ts';
import { signJsonDocument, toPem, type Signer } from '../../pki/index.ts';
import type { AuditLog } from '../log.ts';
import { buildInclusionProof, type InclusionProof } from '../proof.ts';
import { entriesAbout } from '../store.ts';

/** What the exchange part hands over about one message it archived. */
export interface EvidenceMessage {
  /** The gateway's id of the archived message: the `subject` of its audit entries. */
  id: string;
  /** The sender's `header.messageId`. */
  messageId: string;
  sender: string;
  receiver: string;
  /** ISO 8601 time the gateway received it. */
  receivedAt: string;
  /** The body exactly as received, and its media type. */
  bytes: Uint8Array;
  mediaType: string;
  /** The signed `exchange.receipt` the gateway issued for it. */
  receipt: Record<string, unknown>;
  /** The RFC 9421 signature of the sender's call as received (inputs, headers), when kept. */
  requestSignature?: Record<string, unknown>;
  /** Certificates involved (DER): the receipt signer's, the author's, the sender's, their CAs. */
  certificates: readonly Uint8Array[];
  /** Key id (certificate thumbprint) of the author's document signature, when the part knows it. */
  documentKeyId?: string;
}

/** Name of the manifest inside a bundle. */
export const MANIFEST = 'manifest.json';
/** `format` of a bundle's manifest. */
export const EVIDENCE_FORMAT = 'bxg.evidence';

/** One file of a bundle as the manifest lists it. */
export interface ManifestFile {
  /** What it is: message, receipt, request-signature, proof, certificate. */
  role: 'message' | 'receipt' | 'request-signature' | 'proof' | 'certificate';
  sha256: string;
  mediaType: string;
}

/** The manifest: what the bundle holds, signed (detached JWS, `signature`) by the exporting gateway. */
export interface EvidenceManifest {
  format: typeof EVIDENCE_FORMAT;
  v: 1;
  gateway: string;
  exportedAt: string;
  message: { id: string; messageId: string; sender: string; receiver: string; receivedAt: string; sha256: string; mediaType: string; documentKeyId?: string };
  /** Audit sequence numbers of the entries about the message (one proof file each). */
  entries: number[];
  files: Record<string, ManifestFile>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function messageFileName(mediaType: string): string {
  return /json/i.test(mediaType) ? 'message.json' : /xml/i.test(mediaType) ? 'message.xml' : 'message.bin';
}

/**
 * Build the evidence bundle of one message: a zip holding the message as received, the
 * receipt, the request signature as received, one inclusion proof per audit entry about the
 * message (entry, hash path, signed checkpoint with its time-stamp token) and the certificates
 * involved, listed with their SHA-256 in a manifest the gateway signs (ASiC-E's shape).
 * Seals and checkpoints pending entries first, so every entry has a proof.
 * @throws NotFoundError when the audit log has no entry about the message.
 */
export async function buildEvidenceBundle(db: Queryable, log: AuditLog, signer: Signer, gateway: string, msg: EvidenceMessage): Promise<Buffer> {
  let entries = await entriesAbout(db, msg.id);
  const pending = await db.query('SELECT 1 FROM audit_pending WHERE subject = $1 LIMIT 1', [msg.id]);
  const head = entries.at(-1)?.seq;
  const covered = head === undefined ? false : (await db.query('SELECT 1 FROM audit_checkpoints WHERE seq >= $1 LIMIT 1', [head])).rowCount! > 0;
  if (pending.rowCount || !covered) {
    await log.checkpointNow();
    entries = await entriesAbout(db, msg.id);
  }
  if (!entries.length) throw new NotFoundError({ detail: `the audit log holds no entry about message ${msg.id}` });
  const proofs: InclusionProof[] = [];
  for (const e of entries) proofs.push(await buildInclusionProof(db, e.seq));

  const files: Record<string, Uint8Array> = {};
  const listed: Record<string, ManifestFile> = {};
  const add = (name: string, role: ManifestFile['role'], mediaType: string, bytes: Uint8Array) => {
    files[name] = bytes;
    listed[name] = { role, sha256: sha256(bytes), mediaType };
  };
  const json = (v: unknown) => strToU8(`${JSON.stringify(v, null, 2)}\n`);
  add(messageFileName(msg.mediaType), 'message', msg.mediaType, msg.bytes);
  add('receipt.json', 'receipt', 'application/json', json(msg.receipt));
  if (msg.requestSignature) add('request-signature.json', 'request-signature', 'application/json', json(msg.requestSignature));
  for (const p of proofs) add(`audit/entry-${p.entry.seq}.json`, 'proof', 'application/json', json(p));
  const seen = new Set<string>();
  for (const der of [signer.certificate, ...msg.certificates]) {
    const id = createHash('sha256').update(der).digest('base64url');
    if (seen.has(id)) continue;
    seen.add(id);
    add(`certificates/${id}.pem`, 'certificate', 'application/pem-certificate-chain', strToU8(toPem(der, 'CERTIFICATE')));
  }
  const manifest: EvidenceManifest = {
    format: EVIDENCE_FORMAT, v: 1, gateway, exportedAt: new Date().toISOString(),
    message: {
      id: msg.id, messageId: msg.messageId, sender: msg.sender, receiver: msg.receiver, receivedAt: msg.receivedAt,
      sha256: sha256(msg.bytes), mediaType: msg.mediaType, ...(msg.documentKeyId ? { documentKeyId: msg.documentKeyId } : {}),
    },
    entries: entries.map((e) => e.seq),
    files: listed,
  };
  const signed = signJsonDocument(manifest as unknown as Record<string, unknown>, signer);
  // A fixed mtime: the same evidence exported twice differs only in the manifest's time and signature.
  return Buffer.from(zipSync({ [MANIFEST]: json(signed), ...files }, { level: 6, mtime: new Date('2026-01-01T00:00:00Z') }));
}
