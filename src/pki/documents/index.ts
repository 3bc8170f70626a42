/**
 * Document signatures whatever the form (XML or JSON): sign and verify bytes, resolve signers
 * through the trust store, and signed receipts.
 * @module pki/documents
 */
export { parseJsonDocument, signDocumentBytes, verifyDocumentBytes, documentSignerHints, checkChain,
  type DocumentForm, type DocumentVerifyResult } from './signature.ts';
export { xmlTrustResolver, jwsTrustResolver, trustedKeyOf, currentCertificateKeyId, type DocumentTrustOptions } from './trust.ts';
export { createReceipt, verifyReceipt, receivedDigest, type Receipt, type ReceiptInput, type ReceiptError, type ReceiptVerdict,
  type ReceiptVerifyOptions, type VerifiedReceipt } from './receipt.ts';
