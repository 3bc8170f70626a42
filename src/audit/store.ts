import type { Queryable } from '../db/index.ts';
import type { Checkpoint } from './checkpoint.ts';
import { ENTRY_VERSION, type AuditEntry, type DetailValue } from './entry.ts';

/*
 * Reading the audit tables. Times are formatted by the database (UTC, milliseconds) so the
 * string the hash covers is read back exactly; bigint columns arrive as strings from `pg` and
 * numbers from PGlite, and are made numbers here (sequence numbers stay far below 2^53).
 */

/** SQL that renders a timestamptz column as the ISO 8601 string entries and checkpoints hash. */
export const ISO_MS = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns of an entry, in the form {@link toEntry} reads. */
export const ENTRY_COLUMNS = `seq, ${ISO_MS('recorded_at')} AS time, actor, action, subject, payload_sha256, details::text AS details, prev_hash, hash`;

/** One row of audit_entries as selected with {@link ENTRY_COLUMNS}. */
export interface EntryRow {
  seq: string | number;
  time: string;
  actor: string;
  action: string;
  subject: string;
  payload_sha256: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** A row as the entry it stores (details parsed; nothing verified). */
export function toEntry(r: EntryRow): AuditEntry {
  return {
    v: ENTRY_VERSION, seq: Number(r.seq), time: r.time, actor: r.actor, action: r.action, subject: r.subject,
    payloadSha256: r.payload_sha256, details: r.details === null ? null : JSON.parse(r.details) as Record<string, DetailValue>,
    prevHash: r.prev_hash, hash: r.hash,
  };
}

/** Entries from..to (inclusive), in sequence order, at most `limit`. */
export async function readEntries(db: Queryable, from: number, to: number, limit: number): Promise<AuditEntry[]> {
  const { rows } = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
    [from, to, limit],
  );
  return rows.map(toEntry);
}

/** Entries whose subject is `subject` (e.g. a message id), in sequence order. */
export async function entriesAbout(db: Queryable, subject: string, limit = 1000): Promise<AuditEntry[]> {
  const { rows } = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE subject = $1 ORDER BY seq LIMIT $2`,
    [subject, limit],
  );
  return rows.map(toEntry);
}

/** The last sealed entry's sequence number and hash, or undefined for an empty chain. */
export async function readHead(db: Queryable): Promise<{ seq: number; hash: string } | undefined> {
  const { rows } = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1');
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : undefined;
}

const CHECKPOINT_COLUMNS = `c.number, c.gateway, c.from_seq, c.seq, c.hash, c.root, ${ISO_MS('c.signed_at')} AS time, c.key_id, c.alg,
  c.signature, c.certificate, t.token`;

interface CheckpointRow {
  number: string | number;
  gateway: string;
  from_seq: string | number;
  seq: string | number;
  hash: string;
  root: string;
  time: string;
  key_id: string;
  alg: string;
  signature: Uint8Array;
  certificate: Uint8Array;
  token: Uint8Array | null;
}

function toCheckpoint(r: CheckpointRow): Checkpoint {
  return {
    v: 1, type: 'bxg.audit.checkpoint', gateway: r.gateway, number: Number(r.number), fromSeq: Number(r.from_seq), seq: Number(r.seq),
    hash: r.hash, root: r.root, time: r.time, keyId: r.key_id, alg: r.alg as Checkpoint['alg'],
    signature: Buffer.from(r.signature).toString('base64'), certificate: Buffer.from(r.certificate).toString('base64'),
    ...(r.token ? { timestampToken: Buffer.from(r.token).toString('base64') } : {}),
  };
}

/** Checkpoints numbered after `after`, in order, at most `limit`. */
export async function readCheckpoints(db: Queryable, after = 0, limit = 1_000_000): Promise<Checkpoint[]> {
  const { rows } = await db.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c LEFT JOIN audit_timestamps t ON t.checkpoint_number = c.number
      WHERE c.number > $1 ORDER BY c.number LIMIT $2`,
    [after, limit],
  );
  return rows.map(toCheckpoint);
}

/** The checkpoint whose batch holds entry `seq` (the first at or after it), or undefined. */
export async function checkpointCovering(db: Queryable, seq: number): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c LEFT JOIN audit_timestamps t ON t.checkpoint_number = c.number
      WHERE c.seq >= $1 ORDER BY c.seq LIMIT 1`,
    [seq],
  );
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/** The newest checkpoint, or undefined. */
export async function lastCheckpoint(db: Queryable): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c LEFT JOIN audit_timestamps t ON t.checkpoint_number = c.number
      ORDER BY c.number DESC LIMIT 1`,
  );
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/** Entry hashes (hex) from..to, in order (a checkpoint's Merkle leaves). */
export async function readHashes(db: Queryable, from: number, to: number): Promise<Array<{ seq: number; hash: string }>> {
  const { rows } = await db.query<{ seq: string | number; hash: string }>(
    'SELECT seq, hash FROM audit_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq', [from, to],
  );
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash }));
}
