/**
 * Audit: the tamper-evident log. Parts record with `append(tx, entry)` in the transaction of the
 * change they record; the `AuditLog` seals committed entries into one hash chain (one sealer at
 * a time across every instance), signs checkpoints with the gateway's key (through pki) and
 * optionally time-stamps them (RFC 3161); `verifyChain` recomputes it all; inclusion proofs tie
 * one entry to a signed checkpoint for offline checking. docs/audit.md is the specification.
 * @module audit
 */
export { append, type AppendResult } from './append.ts';
export { AuditLog, AUDIT_DEFAULTS, type AuditLogOptions, type AuditHealth, type SealResult } from './log.ts';
export {
  canonicalEntry, entryHash, entryDigest, checkEntryInput, AuditInputError, ENTRY_VERSION, GENESIS_HASH,
  type AuditEntry, type AuditEntryInput, type DetailValue,
} from './entry.ts';
export {
  signCheckpoint, verifyCheckpointSignature, checkpointSigningInput, checkpointCache, CHECKPOINT_TYPE,
  type Checkpoint, type CheckpointPayload, type CheckpointTrust, type CheckpointVerdict, type CheckpointCache,
} from './checkpoint.ts';
export { merkleRoot, merkleRootHex, inclusionPath, rootFromInclusionPath, leafHash } from './merkle.ts';
export {
  buildInclusionProof, verifyInclusionProof,
  type InclusionProof, type ProofVerdict, type ProofPart, type ProofVerifyOptions,
} from './proof.ts';
export { verifyChain, type ChainReport, type ChainProblem, type ChainProblemKind, type VerifyChainOptions } from './verify.ts';
export { requestTimestamp, verifyTimestampToken, timestampRequest, TimestampError, type TimestampResult, type TimestampVerdict } from './timestamp.ts';
export { readEntries, entriesAbout, readCheckpoints, lastCheckpoint, checkpointCovering } from './store.ts';
export { auditRoutes, AUDIT_PAGE_MAX, type AuditRoutesOptions } from './routes.ts';
export {
  buildEvidenceBundle, verifyEvidenceBundle, MANIFEST, EVIDENCE_FORMAT,
  type EvidenceMessage, type EvidenceManifest, type EvidencePart, type EvidenceVerdict, type EvidenceVerifyOptions, type DocumentVerifier,
} from './evidence/index.ts';
