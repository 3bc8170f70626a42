/**
 * Evidence bundles: one file per message that proves, offline and with only the trust anchors,
 * what was received, what the gateway answered and that it logged it (docs/audit.md).
 */
export { buildEvidenceBundle, MANIFEST, EVIDENCE_FORMAT, type EvidenceMessage, type EvidenceManifest, type ManifestFile } from './bundle.ts';
export { verifyEvidenceBundle, type EvidencePart, type EvidenceVerdict, type EvidenceVerifyOptions, type DocumentVerifier } from './verify.ts';
