import type { Queryable } from '../db/index.ts';
import { NotFoundError, NotReadyError } from '../errors/index.ts';
import { verifyCheckpointSignature, type Checkpoint, type CheckpointTrust } from './checkpoint.ts';
import { entryHash, type AuditEntry } from './entry.ts';
import { inclusionPath, rootFromInclusionPath } from './merkle.ts';
import { checkpointCovering, readEntries, readHashes } from './store.ts';
import { verifyTimestampToken } from './timestamp.ts';

/**
 * The hash path from one audit entry to a signed checkpoint: everything needed to prove, with
 * only the trust anchors, that the gateway logged this entry at this place in its chain. It
 * reveals nothing about the other entries of the batch (only hashes of hashes).
 */
export interface InclusionProof {
  /** The entry, as the API returns it. */
  entry: AuditEntry;
  /** The signed checkpoint whose batch holds the entry. */
  checkpoint: Checkpoint;
  /** RFC 9162 leaf index: entry.seq - checkpoint.fromSeq. */
  leafIndex: number;
  /** Leaves in the checkpoint's tree: checkpoint.seq - checkpoint.fromSeq + 1. */
  treeSize: number;
  /** RFC 9162 inclusion path, lower-case hex, nearest sibling first. */
  path: string[];
}

/**
 * Build the inclusion proof of entry `seq` to the checkpoint covering it.
 * @throws NotFoundError when there is no such entry; NotReadyError when no checkpoint covers it yet
 *   (call `AuditLog.checkpointNow()` first).
 */
export async function buildInclusionProof(db: Queryable, seq: number): Promise<InclusionProof> {
  const [entry] = await readEntries(db, seq, seq, 1);
  if (!entry) throw new NotFoundError({ detail: `no audit entry ${seq}` });
  const checkpoint = await checkpointCovering(db, seq);
  if (!checkpoint) throw new NotReadyError({ detail: `audit entry ${seq} is not yet covered by a signed checkpoint` });
  const hashes = await readHashes(db, checkpoint.fromSeq, checkpoint.seq);
  const leafIndex = seq - checkpoint.fromSeq;
  return {
    entry, checkpoint, leafIndex, treeSize: hashes.length,
    path: inclusionPath(hashes.map((h) => h.hash), leafIndex).map((b) => b.toString('hex')),
  };
}

/** Which part of a proof failed. */
export type ProofPart = 'entry' | 'path' | 'checkpoint' | 'timestamp';

/** Result of {@link verifyInclusionProof}. */
export type ProofVerdict =
  | { ok: true; seq: number; checkpoint: number; signer: string; timestamp?: { genTime: Date; tsa: string } }
  | { ok: false; part: ProofPart; message: string };

/** Options of {@link verifyInclusionProof}. */
export interface ProofVerifyOptions {
  /** How the checkpoint's certificate is trusted (trust anchors). Without it only the signature math is checked. */
  trust?: CheckpointTrust;
  /** The time-stamping authority's CA certificates. */
  tsaAnchors?: readonly Uint8Array[];
  /** Refuse a proof whose checkpoint carries no time-stamp token. */
  requireTimestamp?: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verify an inclusion proof offline: the entry's content matches its hash, the path leads from
 * that hash to the checkpoint's signed Merkle root at the right position (and, for the batch's
 * last entry, the hash is the checkpoint's chain hash), the checkpoint's signature verifies with
 * a certificate trusted by `trust`, and its time-stamp token (when present) covers the signature.
 * Says which part failed.
 */
export async function verifyInclusionProof(proof: InclusionProof, options: ProofVerifyOptions = {}): Promise<ProofVerdict> {
  const { entry, checkpoint: cp } = proof;
  if (!entry || !cp || !Array.isArray(proof.path)) return { ok: false, part: 'entry', message: 'the proof is incomplete' };
  if (entryHash(entry) !== entry.hash) return { ok: false, part: 'entry', message: `entry ${entry.seq}'s content does not match its hash` };
  if (entry.seq < cp.fromSeq || entry.seq > cp.seq || proof.leafIndex !== entry.seq - cp.fromSeq || proof.treeSize !== cp.seq - cp.fromSeq + 1) {
    return { ok: false, part: 'path', message: `entry ${entry.seq} is not at leaf ${proof.leafIndex} of checkpoint #${cp.number} (entries ${cp.fromSeq}..${cp.seq})` };
  }
  if (!proof.path.every((p) => typeof p === 'string' && HEX64.test(p))) return { ok: false, part: 'path', message: 'the path holds something that is not a SHA-256 hash' };
  const root = rootFromInclusionPath(Buffer.from(entry.hash, 'hex'), proof.leafIndex, proof.treeSize, proof.path.map((p) => Buffer.from(p, 'hex')));
  if (!root || root.toString('hex') !== cp.root) {
    return { ok: false, part: 'path', message: `the hash path from entry ${entry.seq} does not lead to checkpoint #${cp.number}'s Merkle root` };
  }
  if (entry.seq === cp.seq && entry.hash !== cp.hash) {
    return { ok: false, part: 'path', message: `entry ${entry.seq} ends checkpoint #${cp.number} but is not its chain hash` };
  }
  const v = await verifyCheckpointSignature(cp, options.trust);
  if (!v.ok) return { ok: false, part: 'checkpoint', message: `checkpoint #${cp.number}: ${v.message}` };
  let timestamp: { genTime: Date; tsa: string } | undefined;
  if (cp.timestampToken) {
    const t = await verifyTimestampToken(Buffer.from(cp.timestampToken, 'base64'), Buffer.from(cp.signature, 'base64'), { anchors: options.tsaAnchors });
    if (!t.ok) return { ok: false, part: 'timestamp', message: `checkpoint #${cp.number}'s time-stamp: ${t.message}` };
    timestamp = { genTime: t.genTime, tsa: t.tsa };
  } else if (options.requireTimestamp) {
    return { ok: false, part: 'timestamp', message: `checkpoint #${cp.number} carries no time-stamp token` };
  }
  return { ok: true, seq: entry.seq, checkpoint: cp.number, signer: v.signer.subject, ...(timestamp ? { timestamp } : {}) };
}
