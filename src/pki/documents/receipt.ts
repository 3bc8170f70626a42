import { createHash, randomUUID } from 'node:crypto';
import { DocumentSignatureError, InvalidRequestError } from '../../errors/index.ts';
import { signJsonDocument, verifyJsonDocument, type DetachedJws, type JwsEngineOption, type JwsKeyResolver } from '../jws/index.ts';
import {
  checkExpectation, PARTY_ID_PATTERN, signerMismatch, type Signer, type SignerExpectation, type SignerIdentity, type TrustedKey,
} from '../keys/index.ts';

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

/**
 * Options of {@link verifyReceipt}. `expectedSigner`: the gateway the message was sent to (the
 * receipt must name it and be signed by it); `anyTrustedParty: true`: any gateway, but still
 * the one the receipt names.
 */
export type ReceiptVerifyOptions = SignerExpectation & JwsEngineOption & {
  /** When given, the receipt must be for exactly these bytes. */
  receivedBytes?: Uint8Array;
  /** When given, the receipt must be for this message. */
  messageId?: string;
};

/** A verified receipt and who signed it (always the gateway it names). */
export interface VerifiedReceipt {
  receipt: Receipt;
  signer: SignerIdentity;
}

/**
 * Verify a receipt: its JWS against the issuing gateway's trusted key, signed by exactly the
 * gateway the receipt names (`gateway`) — and that gateway the expected one, when given —
 * and optionally that it acknowledges these bytes / this message.
 * @throws DocumentSignatureError (signature, wrong bytes or message), UntrustedCertificateError,
 *   or SignerMismatchError (signed by another party than its `gateway`, or not the gateway expected).
 */
export async function verifyReceipt(receipt: unknown, resolve: JwsKeyResolver | TrustedKey, options: ReceiptVerifyOptions): Promise<VerifiedReceipt> {
  const expectation = checkExpectation(options);
  const r = receipt as Receipt;
  if (typeof r !== 'object' || r === null || r.documentType !== 'exchange.receipt' || r.version !== '1.0.0') {
    throw new DocumentSignatureError({ detail: 'not an exchange.receipt 1.0.0 document' });
  }
  if (typeof r.gateway !== 'string' || !PARTY_ID_PATTERN.test(r.gateway)) {
    throw new DocumentSignatureError({ detail: 'the receipt names no gateway (CC:AGENCY)', errors: [{ code: 'receipt.gateway', message: 'gateway is not a party id', path: '/gateway' }] });
  }
  if (expectation.expectedSigner !== undefined && r.gateway !== expectation.expectedSigner) {
    throw signerMismatch(expectation.expectedSigner, r.gateway, `the receipt is from ${r.gateway}, but ${expectation.expectedSigner} must have issued it`);
  }
  // The receipt's own statement of who issued it is what the signature must match.
  const { signer } = await verifyJsonDocument(receipt, resolve, { engine: options.engine, expectedSigner: r.gateway });
  if (options.receivedBytes && r.receivedDigest?.value !== receivedDigest(options.receivedBytes)) {
    throw new DocumentSignatureError({ detail: 'the receipt acknowledges other bytes than the ones given', errors: [{ code: 'receipt.digest', message: 'receivedDigest does not match', path: '/receivedDigest/value' }] });
  }
  if (options.messageId && r.messageId !== options.messageId) {
    throw new DocumentSignatureError({ detail: 'the receipt is for another message', errors: [{ code: 'receipt.message', message: 'messageId does not match', path: '/messageId' }] });
  }
  return { receipt: r, signer };
}
