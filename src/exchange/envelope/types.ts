/** The header of an `exchange.envelope` (the same fields in XML and JSON). */
export interface EnvelopeHeader {
  /** Unique per sender; the idempotency key together with `sender`. */
  messageId: string;
  /** Type id of the inner document. */
  documentType: string;
  /** Version of the inner document type. */
  version: string;
  sender: string;
  receiver: string;
  /** ISO 8601 date-time the sender created the envelope. */
  createdAt: string;
  conversationId: string;
  /** messageId of the message this one answers. */
  correlationId?: string;
}

/** The document an envelope carries, as the sender built it. */
export type EnvelopeContent =
  /** A standalone signed XML document (UTF-8 bytes, its own XML declaration allowed). */
  | { format: 'xml'; bytes: Uint8Array }
  /** A signed JSON document object (with its `signature` member). */
  | { format: 'json'; document: Record<string, unknown> };
