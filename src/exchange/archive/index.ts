/**
 * The archive of inbound messages (`exchange_messages`): the raw bytes exactly as received with
 * their SHA-256, the RFC 9421 evidence of the call that brought them, and the signed receipt.
 * @module exchange/archive
 */
export {
  insertMessage, findByKey, findById, readReceipt, readRaw, readRequestEvidence, listMessages,
  type ArchivedMessage, type NewArchivedMessage, type ListQuery,
} from './store.ts';
export { evidenceMessage } from './evidence.ts';
export { verifyArchivedDocument } from './document-verifier.ts';
