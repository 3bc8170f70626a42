import { hash as digest } from 'node:crypto';
import canonicalize from 'canonicalize';
import { PARTY_ID_PATTERN } from '../pki/index.ts';

/** Version of the entry encoding (the `v` member every hashed entry carries). */
export const ENTRY_VERSION = 1;

/** The previous-entry hash of entry 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** A value of an entry's `details`: small scalars only. */
export type DetailValue = string | number | boolean | null;

/**
 * What a part records. `details` holds a few small facts (a reason code, a key id, a count):
 * never secrets, never payloads. Numbers must be safe integers, so any JSON implementation
 * encodes them alike (see docs/audit.md).
 */
export interface AuditEntryInput {
  /** The party that acted (`CC:AGENCY`), `system` for the gateway itself, or `unknown`. */
  actor: string;
  /** Dotted lower-case verb, e.g. `message.accepted`, `party.registered`, `request.refused`. */
  action: string;
  /** What the entry is about: a message id, a party id, a key id, a route. */
  subject: string;
  /** SHA-256 (lower-case hex) of the payload the entry refers to, when there is one. */
  payloadSha256?: string;
  details?: Record<string, DetailValue>;
}

/** A sealed entry of the chain, as the API returns it and as its hash covers it (plus `hash`). */
export interface AuditEntry {
  v: typeof ENTRY_VERSION;
  seq: number;
  /** When the recording transaction wrote it: ISO 8601 UTC with milliseconds. */
  time: string;
  actor: string;
  action: string;
  subject: string;
  payloadSha256: string | null;
  details: Record<string, DetailValue> | null;
  /** Hash of entry seq-1 (GENESIS_HASH for seq 1). */
  prevHash: string;
  /** SHA-256 (hex) of the RFC 8785 encoding of every member above. */
  hash: string;
}

/** Refused audit input: a programming error in the recording part, never client input. */
export class AuditInputError extends Error {
  override name = 'AuditInputError';
}

const ACTION = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;
// A lone UTF-16 surrogate has no UTF-8 encoding (two implementations would hash different
// bytes), and PostgreSQL text cannot hold NUL.
const UNENCODABLE = /\p{Cs}|\0/u;
const MAX_DETAILS = 32;
const MAX_DETAIL_STRING = 1000;

function checkText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new AuditInputError(`audit ${what} must be a string of 1..${max} characters`);
  }
  if (UNENCODABLE.test(value)) throw new AuditInputError(`audit ${what} contains a NUL or a lone UTF-16 surrogate`);
  return value;
}

/**
 * Check an entry before it is written; the same rules as the SQL CHECKs, plus what keeps the
 * encoding identical across implementations (safe integers, ASCII detail keys, no lone surrogates).
 * @throws AuditInputError naming the field.
 */
export function checkEntryInput(input: AuditEntryInput): void {
  const actor = checkText(input.actor, 'actor', 200);
  if (actor !== 'system' && actor !== 'unknown' && !PARTY_ID_PATTERN.test(actor)) {
    throw new AuditInputError(`audit actor must be a party id (CC:AGENCY), "system" or "unknown", got "${actor}"`);
  }
  if (!ACTION.test(checkText(input.action, 'action', 100))) {
    throw new AuditInputError(`audit action must be dotted lower-case words (e.g. message.accepted), got "${input.action}"`);
  }
  checkText(input.subject, 'subject', 500);
  if (input.payloadSha256 !== undefined && !HEX64.test(input.payloadSha256)) {
    throw new AuditInputError('audit payloadSha256 must be 64 lower-case hex digits');
  }
  if (input.details === undefined) return;
  if (typeof input.details !== 'object' || input.details === null || Array.isArray(input.details)) {
    throw new AuditInputError('audit details must be an object');
  }
  const keys = Object.keys(input.details);
  if (keys.length > MAX_DETAILS) throw new AuditInputError(`audit details may have at most ${MAX_DETAILS} members`);
  for (const k of keys) {
    if (!DETAIL_KEY.test(k)) throw new AuditInputError(`audit details key "${k}" must match ${DETAIL_KEY.source}`);
    const v = input.details[k];
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new AuditInputError(`audit details.${k} must be a safe integer (no fractions, |n| < 2^53)`);
      continue;
    }
    if (typeof v === 'string') {
      if (v.length > MAX_DETAIL_STRING) throw new AuditInputError(`audit details.${k} is longer than ${MAX_DETAIL_STRING} characters`);
      if (UNENCODABLE.test(v)) throw new AuditInputError(`audit details.${k} contains a NUL or a lone UTF-16 surrogate`);
      continue;
    }
    throw new AuditInputError(`audit details.${k} must be a string, integer, boolean or null`);
  }
}

/** An entry without its own hash: the object the hash covers. */
export type HashedFields = Omit<AuditEntry, 'hash'>;

/**
 * JCS of a details object. Fast path for what `append` allows (scalar members): members sorted
 * with the default sort, which compares UTF-16 code units exactly as RFC 8785 §3.2.3 requires,
 * strings and integers as JSON.stringify / String give them. Anything else (a fraction, a nested
 * value — only a tampered row can hold one) goes through `canonicalize`.
 */
function canonicalDetails(d: Record<string, unknown>): string {
  const keys = Object.keys(d).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = d[k];
    let enc: string;
    if (typeof v === 'string') enc = JSON.stringify(v);
    else if (v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isSafeInteger(v))) enc = String(v);
    else return canonicalize(d)!;
    out += `${i ? ',' : ''}${JSON.stringify(k)}:${enc}`;
  }
  return `${out}}`;
}

/**
 * The RFC 8785 (JCS) encoding of an entry's hashed fields. Written out by hand for speed (the
 * verifier does this a million times); the members are in JCS order (sorted by UTF-16 code
 * units) and strings are encoded with JSON.stringify, which is what JCS specifies for strings.
 * test/audit/encoding.test.ts checks it equals `canonicalize` on random entries.
 */
export function canonicalEntry(e: HashedFields): string {
  return `{"action":${JSON.stringify(e.action)},"actor":${JSON.stringify(e.actor)},"details":${e.details === null ? 'null' : canonicalDetails(e.details)},`
    + `"payloadSha256":${e.payloadSha256 === null ? 'null' : JSON.stringify(e.payloadSha256)},"prevHash":${JSON.stringify(e.prevHash)},`
    + `"seq":${String(e.seq)},"subject":${JSON.stringify(e.subject)},"time":${JSON.stringify(e.time)},"v":${String(e.v)}}`;
}

/** SHA-256 (lower-case hex) of the UTF-8 bytes of {@link canonicalEntry}. */
export function entryHash(e: HashedFields): string {
  return digest('sha256', canonicalEntry(e), 'hex');
}

/** The same hash as raw bytes (a Merkle leaf). */
export function entryDigest(e: HashedFields): Buffer {
  return digest('sha256', canonicalEntry(e), 'buffer');
}
