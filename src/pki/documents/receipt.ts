import { createHash, randomUUID } from 'node:crypto';
import { DocumentSignatureError, InvalidRequestError } from '../../errors/index.ts';
import { signJsonDocument, verifyJsonDocument, type DetachedJws, type JwsKeyResolver, type JwsVerifyOptions } from '../jws/index.ts';
import { PARTY_ID_PATTERN, type Signer } from '../keys/index.ts';
import type { TrustedKey } from '../xmldsig/index.ts';

/** Receipt verdicts (codelists/receipt-verdict.json). */
export type ReceiptVerdict = 'ACCEPTED' | 'REJECTED' | 'DUPLICATE';

/** One reason a message was rejected. */
export interface ReceiptError {
  code: string;
  rule?: string;
  path?: string;
  detail?: string;
}

/** An `exchange.receipt` 1.0.0 document, JSON form (schemas/exchange.receipt/1.0.0). */
export interface Receipt {
  documentType: 'exchange.receipt';
  version: '1.0.0';
  receiptId: string;
  messageId: string;
  receivedDigest: { algorithm: 'SHA-256'; value: string };
  receivedAt: string;
  verdict: ReceiptVerdict;
  errors?: ReceiptError[];
  gateway: string;
  signature?: DetachedJws;
}

/** What the gateway knows when it issues a receipt. */
export interface ReceiptInput {
  /** `header.messageId` of the message received. */
  messageId: string;
  /** The raw bytes received (the HTTP body); only their SHA-256 goes into the receipt. */
  receivedBytes: Uint8Array;
  verdict: ReceiptVerdict;
  /** Required for REJECTED, absent otherwise (RCPT-R002/R003). */
  errors?: ReceiptError[];
  /** This gateway's party id. */
  gateway: string;
  /** Default: now. */
  receivedAt?: Date;
  /** Default: a fresh UUID. */
  receiptId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** SHA-256 of bytes as the receipt carries it (standard base64 with padding). */
export function receivedDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** RCPT-R002..R005 and the field shapes, checked before anything is signed. */
function checkReceiptRules(r: Omit<Receipt, 'signature'>): void {
  const problems: string[] = [];
  if (!UUID.test(r.messageId)) problems.push('messageId must be a lower-case UUID');
  if (!UUID.test(r.receiptId)) problems.push('receiptId must be a lower-case UUID');
  if (r.receiptId === r.messageId) problems.push('receiptId must differ from messageId (RCPT-R005)');
  if (!PARTY_ID_PATTERN.test(r.gateway)) problems.push('gateway must be a party id CC:AGENCY');
  if (!['ACCEPTED', 'REJECTED', 'DUPLICATE'].includes(r.verdict)) problems.push(`unknown verdict ${r.verdict}`);
  if (r.verdict === 'REJECTED' && !r.errors?.length) problems.push('a REJECTED receipt must say why (RCPT-R002)');
  if (r.verdict !== 'REJECTED' && r.errors !== undefined) problems.push(`a ${r.verdict} receipt carries no errors (RCPT-R003)`);
  for (const e of r.errors ?? []) {
    if ((e.code === 'rule') !== (e.rule !== undefined)) problems.push('a rule error names its rule and only a rule error does (RCPT-R004)');
  }
  if (problems.length) throw new InvalidRequestError({ detail: `cannot issue receipt: ${problems.join('; ')}` });
}

/**
 * Issue a signed `exchange.receipt`: the digest of exactly the bytes received, the time and the
 * verdict, signed by the gateway's Signer as a detached JWS (`signature`, last property).
 * Issue it only after the message's transaction committed (design.md §2).
 */
export function createReceipt(input: ReceiptInput, signer: Signer): Receipt & { signature: DetachedJws } {
  const receipt: Omit<Receipt, 'signature'> = {
    documentType: 'exchange.receipt',
    version: '1.0.0',
    receiptId: input.receiptId ?? randomUUID(),
    messageId: input.messageId,
    receivedDigest: { algorithm: 'SHA-256', value: receivedDigest(input.receivedBytes) },
    receivedAt: (input.receivedAt ?? new Date()).toISOString(),
    verdict: input.verdict,
    ...(input.errors !== undefined ? { errors: input.errors } : {}),
    gateway: input.gateway,
  };
  checkReceiptRules(receipt);
  return signJsonDocument(receipt, signer);
}

/** Options of {@link verifyReceipt}. */
export interface ReceiptVerifyOptions extends JwsVerifyOptions {
  /** When given, the receipt must be for exactly these bytes. */
  receivedBytes?: Uint8Array;
  /** When given, the receipt must be for this message. */
  messageId?: string;
}

/**
 * Verify a receipt: its JWS against the issuing gateway's trusted key, and optionally that it
 * acknowledges these bytes / this message.
 * @throws DocumentSignatureError (signature, wrong bytes or message) or UntrustedCertificateError.
 */
export async function verifyReceipt(receipt: unknown, resolve: JwsKeyResolver | TrustedKey, options: ReceiptVerifyOptions = {}): Promise<Receipt> {
  await verifyJsonDocument(receipt, resolve, options);
  const r = receipt as Receipt;
  if (r.documentType !== 'exchange.receipt' || r.version !== '1.0.0') {
    throw new DocumentSignatureError({ detail: 'not an exchange.receipt 1.0.0 document' });
  }
  if (options.receivedBytes && r.receivedDigest?.value !== receivedDigest(options.receivedBytes)) {
    throw new DocumentSignatureError({ detail: 'the receipt acknowledges other bytes than the ones given', errors: [{ code: 'receipt.digest', message: 'receivedDigest does not match', path: '/receivedDigest/value' }] });
  }
  if (options.messageId && r.messageId !== options.messageId) {
    throw new DocumentSignatureError({ detail: 'the receipt is for another message', errors: [{ code: 'receipt.message', message: 'messageId does not match', path: '/messageId' }] });
  }
  return r;
}
