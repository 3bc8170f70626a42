/**
 * Document handlers: what an accepted message does to the domain, in the message's transaction.
 * One table keyed by document type; every type without a handler of its own gets the generic
 * "store and make available" one (the archive row is the whole effect). The domain issues add
 * theirs here (e-CO, AEO, CMAA, risk) with {@link registerHandler}.
 * @module exchange/handlers
 */
import type { Queryable } from '../../db/index.ts';
import type { EnvelopeHeader } from '../envelope/types.ts';

/** What a handler is given: the accepted message, archived in the same transaction. */
export interface AcceptedMessage {
  /** The gateway's id of the message (the archive row). */
  id: string;
  header: EnvelopeHeader;
  author: string;
  format: 'xml' | 'json';
  /** The inner document in its JSON form (the validator's mapping, for XML). */
  document: Record<string, unknown>;
}

/** A document type's handler. */
export interface MessageHandler {
  /** Short name, for logs and docs. */
  name: string;
  /**
   * Apply the message in `tx` (the archive row exists already); throw a GatewayError to refuse
   * it (the whole transaction rolls back). Returns the message's status.
   */
  apply(tx: Queryable, message: AcceptedMessage): Promise<string>;
}

/** The generic handler: the archived message is the effect; readers fetch it from /v1/messages. */
export const storeAndMakeAvailable: MessageHandler = {
  name: 'store-and-make-available',
  async apply() {
    return 'accepted';
  },
};

const handlers = new Map<string, MessageHandler>();

/** Give a document type its own handler (domain parts, at start). */
export function registerHandler(documentType: string, handler: MessageHandler): void {
  handlers.set(documentType, handler);
}

/** The handler of a document type (the generic one unless another was registered). */
export function handlerFor(documentType: string): MessageHandler {
  return handlers.get(documentType) ?? storeAndMakeAvailable;
}
