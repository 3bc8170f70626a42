import type { EvidenceMessage } from '../../audit/index.ts';
import type { Queryable } from '../../db/index.ts';
import type { TrustStore } from '../../pki/index.ts';
import { findById, readRaw, readReceipt, readRequestEvidence } from './store.ts';

/**
 * What the audit part's evidence bundle (src/audit/evidence, `buildEvidenceBundle`) needs about
 * one archived message: the bytes as received, the receipt, the RFC 9421 evidence of the call,
 * and the certificates of the sender's call and of the author's document signature.
 * @returns undefined when there is no such message.
 */
export async function evidenceMessage(db: Queryable, trust: Pick<TrustStore, 'getCertificate'>, id: string): Promise<EvidenceMessage | undefined> {
  const m = await findById(db, id);
  if (!m) return undefined;
  const [raw, receipt, request] = await Promise.all([readRaw(db, id), readReceipt(db, id), readRequestEvidence(db, id)]);
  const certificates: Uint8Array[] = [];
  for (const keyId of new Set([request!.authorKeyId, request!.keyId])) {
    const c = await trust.getCertificate(keyId);
    if (c) certificates.push(c.der);
  }
  return {
    id: m.id, messageId: m.messageId, sender: m.sender, receiver: m.receiver, receivedAt: m.receivedAt.toISOString(),
    bytes: raw!.raw, mediaType: raw!.mediaType, receipt: receipt as unknown as Record<string, unknown>,
    requestSignature: { signatureInput: request!.signatureInput, signature: request!.signature, keyId: request!.keyId, headers: request!.headers },
    certificates, documentKeyId: request!.authorKeyId,
  };
}
