import type { Queryable } from '../../db/index.ts';
import type { Receipt } from '../../pki/index.ts';

/** One archived inbound message: what was received, exactly, and what the gateway answered. */
export interface ArchivedMessage {
  /** The gateway's id of the message (UUID). */
  id: string;
  sender: string;
  /** The envelope's `messageId` (unique per sender). */
  messageId: string;
  receiver: string;
  documentType: string;
  version: string;
  /** The inner document's author: the party whose signature on it verified. */
  author: string;
  format: 'xml' | 'json';
  /** The media type the body came with (`application/json`, `application/xml`, `text/xml`). */
  mediaType: string;
  /** Lower-case hex SHA-256 of the raw bytes. */
  sha256: string;
  conversationId: string | null;
  correlationId: string | null;
  receivedAt: Date;
  status: string;
}

/** What the pipeline archives (one row, in the message's transaction). */
export interface NewArchivedMessage extends Omit<ArchivedMessage, 'receivedAt'> {
  raw: Buffer;
  receivedAt: Date;
  /** RFC 9421 evidence, as received. */
  requestSignatureInput: string;
  requestSignature: string;
  requestHeaders: Record<string, string | string[]>;
  requestKeyId: string;
  /** The key id (certificate thumbprint) the author's document signature verified with. */
  authorKeyId: string;
  receipt: Receipt;
}

type Row = {
  id: string; sender: string; message_id: string; receiver: string; document_type: string; version: string; author: string;
  format: 'xml' | 'json'; media_type: string; sha256: string; conversation_id: string | null; correlation_id: string | null;
  received_at: Date | string; status: string;
};

const COLUMNS = 'id, sender, message_id, receiver, document_type, version, author, format, media_type, sha256, conversation_id, correlation_id, received_at, status';

function toMessage(r: Row): ArchivedMessage {
  return {
    id: r.id, sender: r.sender, messageId: r.message_id, receiver: r.receiver, documentType: r.document_type, version: r.version,
    author: r.author, format: r.format, mediaType: r.media_type, sha256: r.sha256, conversationId: r.conversation_id,
    correlationId: r.correlation_id, receivedAt: new Date(r.received_at), status: r.status,
  };
}

/**
 * Insert a message unless (sender, messageId) is taken. Under concurrency the database decides:
 * `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same key to commit or roll back.
 * @returns true when this call inserted it.
 */
export async function insertMessage(tx: Queryable, m: NewArchivedMessage): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO exchange_messages (id, sender, message_id, receiver, document_type, version, author, format, media_type, raw, sha256,
       conversation_id, correlation_id, request_signature_input, request_signature, request_headers, request_key_id, received_at, status, receipt,
       author_key_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
     ON CONFLICT (sender, message_id) DO NOTHING`,
    [m.id, m.sender, m.messageId, m.receiver, m.documentType, m.version, m.author, m.format, m.mediaType, m.raw, m.sha256,
      m.conversationId, m.correlationId, m.requestSignatureInput, m.requestSignature, JSON.stringify(m.requestHeaders), m.requestKeyId,
      m.receivedAt, m.status, JSON.stringify(m.receipt), m.authorKeyId],
  );
  return r.rowCount === 1;
}

/** The digest and receipt of a sender's message id, when it was accepted (idempotency). */
export async function findByKey(db: Queryable, sender: string, messageId: string): Promise<{ id: string; sha256: string; receipt: Receipt } | undefined> {
  const { rows } = await db.query<{ id: string; sha256: string; receipt: Receipt | string }>(
    'SELECT id, sha256, receipt FROM exchange_messages WHERE sender = $1 AND message_id = $2', [sender, messageId],
  );
  const r = rows[0];
  return r && { id: r.id, sha256: r.sha256, receipt: typeof r.receipt === 'string' ? JSON.parse(r.receipt) as Receipt : r.receipt };
}

/** A message's metadata by the gateway's id. */
export async function findById(db: Queryable, id: string): Promise<ArchivedMessage | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM exchange_messages WHERE id = $1`, [id]);
  return rows[0] && toMessage(rows[0]);
}

/** A message's stored receipt. */
export async function readReceipt(db: Queryable, id: string): Promise<Receipt | undefined> {
  const { rows } = await db.query<{ receipt: Receipt | string }>('SELECT receipt FROM exchange_messages WHERE id = $1', [id]);
  const r = rows[0]?.receipt;
  return typeof r === 'string' ? JSON.parse(r) as Receipt : r;
}

/** A message's raw bytes as received, with their media type and digest. */
export async function readRaw(db: Queryable, id: string): Promise<{ raw: Buffer; mediaType: string; sha256: string } | undefined> {
  const { rows } = await db.query<{ raw: Uint8Array; media_type: string; sha256: string }>('SELECT raw, media_type, sha256 FROM exchange_messages WHERE id = $1', [id]);
  const r = rows[0];
  return r && { raw: Buffer.from(r.raw), mediaType: r.media_type, sha256: r.sha256 };
}

/** The RFC 9421 evidence kept with a message, and the key ids of the sender's call and the author's document signature. */
export async function readRequestEvidence(db: Queryable, id: string): Promise<{ signatureInput: string; signature: string; headers: Record<string, string | string[]>; keyId: string; authorKeyId: string } | undefined> {
  const { rows } = await db.query<{ request_signature_input: string; request_signature: string; request_headers: Record<string, string | string[]> | string; request_key_id: string; author_key_id: string }>(
    'SELECT request_signature_input, request_signature, request_headers, request_key_id, author_key_id FROM exchange_messages WHERE id = $1', [id],
  );
  const r = rows[0];
  return r && {
    signatureInput: r.request_signature_input, signature: r.request_signature, keyId: r.request_key_id, authorKeyId: r.author_key_id,
    headers: typeof r.request_headers === 'string' ? JSON.parse(r.request_headers) as Record<string, string | string[]> : r.request_headers,
  };
}

/** Filters and page of {@link listMessages}. */
export interface ListQuery {
  /** The caller: messages it sent or received. */
  party: string;
  documentType?: string;
  status?: string;
  /** received_at ≥ from. */
  from?: Date;
  /** received_at < to. */
  to?: Date;
  /** Continue after this (received_at, id), newest first. */
  after?: { receivedAt: Date; id: string };
  limit: number;
}

/** A party's messages (sent or received), newest first, keyset-paged on (received_at, id). */
export async function listMessages(db: Queryable, q: ListQuery): Promise<ArchivedMessage[]> {
  const where = ['(sender = $1 OR receiver = $1)'];
  const params: unknown[] = [q.party];
  const add = (sql: string, v: unknown) => { params.push(v); where.push(sql.replace('?', `$${params.length}`)); };
  if (q.documentType) add('document_type = ?', q.documentType);
  if (q.status) add('status = ?', q.status);
  if (q.from) add('received_at >= ?', q.from);
  if (q.to) add('received_at < ?', q.to);
  if (q.after) {
    params.push(q.after.receivedAt, q.after.id);
    where.push(`(received_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(q.limit);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM exchange_messages WHERE ${where.join(' AND ')} ORDER BY received_at DESC, id DESC LIMIT $${params.length}`, params,
  );
  return rows.map(toMessage);
}
