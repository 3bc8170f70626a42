import { verify as cryptoVerify } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  ALGORITHM_PARAMS, keyInput, parseCertificate, partyIdsFromCertificate, thumbprint, validatePath,
  type ParsedCertificate, type SignatureAlgorithm, type Signer,
} from '../pki/index.ts';

/** The `type` member of every signed checkpoint payload. */
export const CHECKPOINT_TYPE = 'bxg.audit.checkpoint';

/** What a checkpoint's signature covers (the RFC 8785 encoding of this object). */
export interface CheckpointPayload {
  v: 1;
  type: typeof CHECKPOINT_TYPE;
  /** The gateway's party id. */
  gateway: string;
  /** 1, 2, 3, … without gaps. */
  number: number;
  /** First entry of the batch (previous checkpoint's seq + 1). */
  fromSeq: number;
  /** Last entry of the batch. */
  seq: number;
  /** The chain hash at `seq` (the entry hash of seq, which commits to every entry before it). */
  hash: string;
  /** RFC 9162 Merkle tree hash (hex) of the entry hashes fromSeq..seq. */
  root: string;
  /** When the checkpoint was made: ISO 8601 UTC with milliseconds. */
  time: string;
  /** base64url SHA-256 thumbprint of the signing certificate. */
  keyId: string;
  /** JOSE name of the signature algorithm (ES256: ECDSA P-256 SHA-256, raw r||s). */
  alg: SignatureAlgorithm;
}

/** A signed checkpoint: its payload, the signature and the certificate to check it with. */
export interface Checkpoint extends CheckpointPayload {
  /** Signature over the UTF-8 bytes of `canonicalize(payload)`, base64. */
  signature: string;
  /** The signing certificate, DER base64. */
  certificate: string;
  /** RFC 3161 time-stamp token (CMS ContentInfo DER, base64) over the signature bytes, when one was obtained. */
  timestampToken?: string;
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointSigningInput(p: CheckpointPayload): Buffer {
  const payload: CheckpointPayload = {
    v: p.v, type: p.type, gateway: p.gateway, number: p.number, fromSeq: p.fromSeq, seq: p.seq,
    hash: p.hash, root: p.root, time: p.time, keyId: p.keyId, alg: p.alg,
  };
  return Buffer.from(canonicalize(payload)!, 'utf8');
}

/** Sign a checkpoint with the gateway's signer (the key never leaves pki). */
export function signCheckpoint(signer: Signer, fields: Omit<CheckpointPayload, 'v' | 'type' | 'keyId' | 'alg'>): Checkpoint {
  const payload: CheckpointPayload = { v: 1, type: CHECKPOINT_TYPE, ...fields, keyId: signer.keyId, alg: signer.algorithm };
  const signature = signer.sign(checkpointSigningInput(payload), signer.algorithm);
  return { ...payload, signature: signature.toString('base64'), certificate: signer.certificate.toString('base64') };
}

/**
 * What one verification run keeps between checkpoints: certificates parsed once, and paths
 * validated once per signing certificate (a million entries have a thousand checkpoints, mostly
 * signed by one key).
 */
export interface CheckpointCache {
  parsed: Map<string, ParsedCertificate>;
  paths: Map<string, ParsedCertificate[]>;
}

/** A fresh {@link CheckpointCache}. */
export function checkpointCache(): CheckpointCache {
  return { parsed: new Map(), paths: new Map() };
}

/** Why a checkpoint does not verify. */
export type CheckpointFailure = 'signature' | 'certificate' | 'untrusted';

/** Result of {@link verifyCheckpointSignature}. */
export type CheckpointVerdict =
  | { ok: true; signer: ParsedCertificate }
  | { ok: false; reason: CheckpointFailure; message: string };

/** How a checkpoint's certificate is trusted. */
export interface CheckpointTrust {
  /**
   * CA certificates (DER) the signing certificate must chain to, checked at the checkpoint's
   * time (an auditor years later holds an expired certificate that was valid then).
   */
  anchors?: readonly Uint8Array[];
  /** Alternatively (or also): a callback that throws when the certificate is not trusted. */
  check?: (certificate: ParsedCertificate, at: Date) => Promise<void>;
}

/**
 * Verify a checkpoint's signature with the certificate it carries, that the certificate is the
 * one its key id names and names the checkpoint's gateway party (when it names any), and, when
 * `trust` is given, that it is trusted. Pure: needs nothing but the checkpoint and the anchors.
 */
export async function verifyCheckpointSignature(cp: Checkpoint, trust: CheckpointTrust = {}, cache?: CheckpointCache): Promise<CheckpointVerdict> {
  let cert: ParsedCertificate;
  try {
    cert = cache?.parsed.get(cp.certificate) ?? parseCertificate(Buffer.from(cp.certificate, 'base64'));
    cache?.parsed.set(cp.certificate, cert);
  } catch (e) {
    return { ok: false, reason: 'certificate', message: `its certificate is unreadable (${(e as Error).message})` };
  }
  if (thumbprint(cert.der) !== cp.keyId) return { ok: false, reason: 'certificate', message: 'its certificate is not the one its key id names' };
  const named = partyIdsFromCertificate(cert.der);
  if (named.length && !named.includes(cp.gateway)) {
    return { ok: false, reason: 'certificate', message: `its certificate names ${named.join(', ')}, not the gateway ${cp.gateway}` };
  }
  const params = ALGORITHM_PARAMS[cp.alg];
  if (!params) return { ok: false, reason: 'signature', message: `unknown signature algorithm ${String(cp.alg)}` };
  let ok: boolean;
  try {
    ok = cryptoVerify(params.hash, checkpointSigningInput(cp), keyInput(cert.publicKey, cp.alg), Buffer.from(cp.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) return { ok: false, reason: 'signature', message: 'its signature does not verify (the checkpoint was changed, or signed with another key)' };
  const at = new Date(cp.time);
  try {
    if (trust.anchors) {
      const path = cache?.paths.get(cert.keyId);
      if (path) {
        // The path was validated for an earlier checkpoint: only the validity windows depend on the time.
        for (const c of path) {
          if (at < c.notBefore || at > c.notAfter) throw new Error(`${c.subject} is not valid at ${cp.time} (valid ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()})`);
        }
      } else {
        const validated = await validatePath({ leaf: cert, anchors: trust.anchors.map((d) => parseCertificate(d)), at, now: at });
        cache?.paths.set(cert.keyId, validated);
      }
    }
    if (trust.check) await trust.check(cert, at);
  } catch (e) {
    return { ok: false, reason: 'untrusted', message: `its signing certificate (${cert.subject}) is not trusted: ${(e as Error).message}` };
  }
  return { ok: true, signer: cert };
}
