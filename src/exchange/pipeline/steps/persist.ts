import { randomUUID } from 'node:crypto';
import { append } from '../../../audit/index.ts';
import { createReceipt, type Receipt } from '../../../pki/index.ts';
import { insertMessage } from '../../archive/index.ts';
import { handlerFor } from '../../handlers/index.ts';
import type { MessageContext, Step } from '../context.ts';
import { repeatOrConflict } from './idempotency.ts';

/** Thrown inside the transaction when another call stored the same (sender, messageId) first: roll back, then look. */
class TakenMeanwhile extends Error {}

/** Header fields kept with every message whether the signature covers them or not (they frame it). */
const FRAMING = ['signature-input', 'signature', 'content-type', 'content-digest', 'content-length'];

/**
 * The RFC 9421 evidence as received: the header fields the signature covers and those framing
 * it, each as it came (repeated field lines kept apart), and the derived components it covers
 * (`@method`, `@target-uri`) with their values — enough to rebuild the signature base later.
 * Other headers (cookies, proxies' additions) are not archived.
 */
function requestEvidence(ctx: MessageContext): Record<string, string | string[]> {
  const { headers, method, targetUri } = ctx.call;
  const out: Record<string, string | string[]> = {};
  for (const c of ctx.signature!.components) {
    const name = /^"([^"]+)"/.exec(c)?.[1];
    if (!name) continue;
    if (name === '@method') out[name] = method;
    else if (name === '@target-uri') out[name] = targetUri;
    else if (!name.startsWith('@') && headers[name] !== undefined) out[name] = headers[name]!;
  }
  for (const name of FRAMING) if (headers[name] !== undefined) out[name] = headers[name]!;
  return out;
}

/**
 * One transaction: archive the raw bytes, their SHA-256, the RFC 9421 signature input, signature
 * and covered headers as received, and the received time; apply the document to its type's handler;
 * issue the signed receipt and store it with the message; audit `message.accepted` and
 * `receipt.issued`. The receipt is answered only after the commit. When another call stored the
 * same (sender, messageId) meanwhile, nothing of this one is written: the stored message
 * decides (same bytes → its receipt, 200; other bytes → 409).
 */
export const persist: Step = {
  name: 'persist',
  async run(ctx) {
    const { db, signer, config, audit } = ctx.deps;
    // Fail closed: no message is accepted that the audit log could not account for.
    audit.assertHealthy();
    const h = ctx.header!;
    const id = randomUUID();
    const handler = handlerFor(h.documentType);
    let receipt: Receipt;
    try {
      receipt = await db.transaction(async (tx) => {
        const r = createReceipt({ messageId: h.messageId, receivedBytes: ctx.raw!, verdict: 'ACCEPTED', gateway: config.partyId, receivedAt: ctx.receivedAt }, signer);
        const inserted = await insertMessage(tx, {
          id, sender: h.sender, messageId: h.messageId, receiver: h.receiver, documentType: h.documentType, version: h.version,
          author: ctx.author!, format: ctx.format!, mediaType: ctx.call.mediaType, raw: ctx.raw!, sha256: ctx.sha256!,
          conversationId: h.conversationId ?? null, correlationId: h.correlationId ?? null, receivedAt: ctx.receivedAt, status: 'received',
          requestSignatureInput: ctx.signature!.signatureInput, requestSignature: ctx.signature!.signature,
          requestHeaders: requestEvidence(ctx), requestKeyId: ctx.signature!.keyId, authorKeyId: ctx.authorKeyId!, receipt: r,
        });
        if (!inserted) throw new TakenMeanwhile();
        const status = await handler.apply(tx, {
          id, header: h, author: ctx.author!, format: ctx.format!, document: ctx.documentJson ?? {},
        });
        await tx.query('UPDATE exchange_messages SET status = $2 WHERE id = $1', [id, status]);
        // The subject is the archive id: the evidence bundle (src/audit/evidence) finds the entries by it.
        const subject = id;
        await append(tx, {
          actor: h.sender, action: 'message.accepted', subject, payloadSha256: ctx.sha256!,
          details: { messageId: h.messageId, documentType: h.documentType, version: h.version, receiver: h.receiver, author: ctx.author!, handler: handler.name },
        });
        await append(tx, {
          actor: config.partyId, action: 'receipt.issued', subject, payloadSha256: ctx.sha256!,
          details: { receiptId: r.receiptId, messageId: h.messageId, verdict: r.verdict },
        });
        return r;
      });
    } catch (e) {
      if (!(e instanceof TakenMeanwhile)) throw e;
      // Committed by the other call by now (the insert waited for it): answer as a repeat would.
      if (!(await repeatOrConflict(ctx))) throw new Error('exchange: (sender, messageId) taken, but no committed row found', { cause: e });
      return;
    }
    ctx.result = { status: 201, id, receipt };
  },
};
