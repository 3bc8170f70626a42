import type { Queryable } from '../db/index.ts';
import { checkpointCache, verifyCheckpointSignature, type Checkpoint, type CheckpointTrust } from './checkpoint.ts';
import { entryHash, GENESIS_HASH } from './entry.ts';
import { merkleRootHex } from './merkle.ts';
import { ENTRY_COLUMNS, readCheckpoints, toEntry, type EntryRow } from './store.ts';
import { verifyTimestampToken } from './timestamp.ts';

/** What kind of damage a problem is. */
export type ChainProblemKind =
  /** An entry's content does not match its hash (a field was edited). */
  | 'hash'
  /** An entry's previous-entry hash does not match the entry before it (removed, reordered, rewritten). */
  | 'link'
  /** An entry links to the entry two places back: the entry between was inserted. */
  | 'inserted'
  /** Sequence numbers are missing (rows deleted). */
  | 'missing'
  /** The entries of a checkpoint's batch do not match its signed hash or Merkle root. */
  | 'checkpoint'
  /** A checkpoint's signature or certificate does not verify. */
  | 'checkpoint-signature'
  /** Checkpoints are missing or do not follow each other. */
  | 'checkpoint-order'
  /** A time-stamp token does not verify. */
  | 'timestamp';

/** One problem found, located by sequence number. */
export interface ChainProblem {
  /**
   * Where it is: the entry for entry-level problems; for a checkpoint that does not match and no
   * entry inside its batch explains why, the batch's first entry (see `range`).
   */
  seq: number;
  kind: ChainProblemKind;
  message: string;
  /** For checkpoint problems: the checkpoint and the entries it vouches for. */
  checkpoint?: number;
  range?: [number, number];
}

/** The verifier's answer. */
export interface ChainReport {
  ok: boolean;
  /** The entries actually checked (widened to whole checkpoint batches). */
  from: number;
  to: number;
  /** The newest sequence number in the log (0 when empty). */
  head: number;
  /** Entries read and recomputed. */
  entries: number;
  /** Checkpoints whose signature and batch were verified. */
  checkpoints: number;
  /** Time-stamp tokens verified. */
  timestamps: number;
  /** Subjects of the certificates that signed the verified checkpoints. */
  signers: string[];
  /** The lowest-numbered problem (what "broken at" means). */
  firstBroken?: ChainProblem;
  /** Up to 50 problems, by sequence number. */
  problems: ChainProblem[];
  /** How many problems were found in all. */
  problemCount: number;
  /** Entries after the newest checkpoint: chained, but not yet vouched for by a signature. */
  uncovered?: [number, number];
  /** When `from` > 1 and no checkpoint ends just before it: the stored hash of entry from-1 was taken as given. */
  anchoredOnStoredHash?: number;
}

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** First entry to check (widened back to the start of its checkpoint batch). */
  from?: number;
  /** Last entry to check (widened forward to the end of its checkpoint batch). */
  to?: number;
  /** How checkpoint certificates are trusted; without it only the signature math is checked. */
  trust?: CheckpointTrust;
  /** CA certificates of the time-stamping authority; without them tokens are checked but not their TSA's chain. */
  tsaAnchors?: readonly Uint8Array[];
  /** Called after each page with entries done and the total to do. */
  onProgress?: (done: number, total: number) => void;
  /** Rows per query. */
  pageSize?: number;
}

const MAX_PROBLEMS = 50;

/**
 * Recompute the hash chain from the database and check every checkpoint in the range: its
 * signature (and trust), that the chain hash at its seq is the one it signed, and the Merkle
 * root of its batch; and each time-stamp token. Streams the entries in pages (a million entries
 * take seconds), so the database is only read. Every problem is located by sequence number.
 */
export async function verifyChain(db: Queryable, options: VerifyChainOptions = {}): Promise<ChainReport> {
  const pageSize = options.pageSize ?? 20_000;
  const problems: ChainProblem[] = [];
  let problemCount = 0;
  // A shifted or rewritten log can make every later entry a problem: keep the first ones.
  const add = (p: ChainProblem) => {
    problemCount++;
    if (problems.length < 5000) problems.push(p);
  };
  const headRow = await db.query<{ head: string | number | null }>('SELECT max(seq) AS head FROM audit_entries');
  const head = Number(headRow.rows[0]?.head ?? 0);
  const cps = await readCheckpoints(db);
  const lastCp = cps[cps.length - 1];
  const top = Math.max(head, lastCp?.seq ?? 0);

  // Checkpoints follow each other: numbers 1, 2, 3 … and each batch starts after the previous.
  const cpAt = new Map<number, Checkpoint>();
  let expectedNumber = 1;
  let expectedFrom = 1;
  for (const cp of cps) {
    if (cp.number !== expectedNumber) {
      add({ seq: expectedFrom, kind: 'checkpoint-order', checkpoint: expectedNumber, message: `checkpoint #${expectedNumber} is missing (the next one is #${cp.number})` });
    } else if (cp.fromSeq !== expectedFrom) {
      add({ seq: Math.min(cp.fromSeq, expectedFrom), kind: 'checkpoint-order', checkpoint: cp.number, message: `checkpoint #${cp.number} starts at entry ${cp.fromSeq}, but the previous one ended at ${expectedFrom - 1}` });
    }
    expectedNumber = cp.number + 1;
    expectedFrom = cp.seq + 1;
    cpAt.set(cp.seq, cp);
  }

  // The range, widened to whole batches so every checkpoint touched can be checked.
  let from = Math.max(1, options.from ?? 1);
  let to = Math.min(options.to ?? top, top);
  for (const cp of cps) {
    if (cp.fromSeq <= from && from <= cp.seq) from = cp.fromSeq;
    if (cp.fromSeq <= to && to <= cp.seq) to = cp.seq;
  }
  const inRange = cps.filter((cp) => cp.seq >= from && cp.fromSeq <= to);
  const anchorCp = from > 1 ? cps.find((cp) => cp.seq === from - 1) : undefined;

  // Checkpoint signatures (and certificates, and time-stamps), once each.
  const signers = new Set<string>();
  const badSignature = new Set<number>();
  let timestamps = 0;
  const cache = checkpointCache();
  for (const cp of anchorCp ? [anchorCp, ...inRange] : inRange) {
    const v = await verifyCheckpointSignature(cp, options.trust, cache);
    if (!v.ok) {
      badSignature.add(cp.number);
      add({ seq: cp.fromSeq, kind: 'checkpoint-signature', checkpoint: cp.number, range: [cp.fromSeq, cp.seq], message: `checkpoint #${cp.number} (entries ${cp.fromSeq}..${cp.seq}): ${v.message}` });
      continue;
    }
    signers.add(v.signer.subject);
    if (cp.timestampToken) {
      const t = await verifyTimestampToken(Buffer.from(cp.timestampToken, 'base64'), Buffer.from(cp.signature, 'base64'), { anchors: options.tsaAnchors });
      if (t.ok) timestamps++;
      else add({ seq: cp.fromSeq, kind: 'timestamp', checkpoint: cp.number, range: [cp.fromSeq, cp.seq], message: `time-stamp of checkpoint #${cp.number}: ${t.message}` });
    }
  }

  let anchoredOnStoredHash: number | undefined;
  let prevHash = GENESIS_HASH;
  if (from > 1) {
    if (anchorCp && !badSignature.has(anchorCp.number)) {
      prevHash = anchorCp.hash;
    } else {
      const r = await db.query<{ hash: string }>('SELECT hash FROM audit_entries WHERE seq = $1', [from - 1]);
      prevHash = r.rows[0]?.hash ?? GENESIS_HASH;
      anchoredOnStoredHash = from - 1;
    }
  }

  // Stream the entries; the next page is fetched while this one is recomputed.
  const total = Math.max(0, to - from + 1);
  const page = (after: number) => db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [after, to, pageSize],
  );
  let expected = from;
  let prevPrevHash: string | undefined;
  let batch: string[] = [];
  let batchStart = from;
  let entries = 0;
  let checkedCps = 0;
  let pending = total > 0 ? page(from - 1) : undefined;

  const closeBatch = (cp: Checkpoint) => {
    const complete = batch.length === cp.seq - cp.fromSeq + 1 && batchStart === cp.fromSeq;
    const root = complete ? merkleRootHex(batch) : undefined;
    const last = batch[batch.length - 1];
    if (!badSignature.has(cp.number)) {
      if (root !== cp.root || last !== cp.hash) {
        add({
          seq: cp.fromSeq, kind: 'checkpoint', checkpoint: cp.number, range: [cp.fromSeq, cp.seq],
          message: `entries ${cp.fromSeq}..${cp.seq} do not match signed checkpoint #${cp.number} (${last !== cp.hash ? 'chain hash' : 'Merkle root'} differs): an entry in this range was changed, added or removed`,
        });
      } else {
        checkedCps++;
      }
    }
    batch = [];
    batchStart = cp.seq + 1;
  };

  // Entries expected..last have no row: deleted. Checkpoints ending inside the gap are closed
  // (and fail, their batch being incomplete).
  const skipGap = (last: number) => {
    add({ seq: expected, kind: 'missing', range: [expected, last], message: expected === last ? `entry ${expected} is missing (deleted)` : `entries ${expected}..${last} are missing (deleted)` });
    for (; expected <= last; expected++) {
      const cp = cpAt.get(expected);
      if (cp) closeBatch(cp);
    }
  };

  while (pending) {
    const { rows } = await pending;
    const lastSeq = rows.length ? Number(rows[rows.length - 1]!.seq) : to;
    pending = rows.length === pageSize && lastSeq < to ? page(lastSeq) : undefined;
    for (const row of rows) {
      const e = toEntry(row);
      if (expected < e.seq) skipGap(e.seq - 1);
      entries++;
      const recomputed = entryHash(e);
      if (e.prevHash !== prevHash) {
        if (prevPrevHash !== undefined && e.prevHash === prevPrevHash) {
          add({ seq: e.seq - 1, kind: 'inserted', message: `entry ${e.seq - 1} was inserted: entry ${e.seq} links to the entry before it` });
        } else {
          add({ seq: e.seq, kind: 'link', message: `entry ${e.seq}'s previous-entry hash does not match entry ${e.seq - 1} (an entry before it was removed, reordered or rewritten)` });
        }
      }
      if (recomputed !== e.hash) {
        add({ seq: e.seq, kind: 'hash', message: `entry ${e.seq}'s content does not match its hash (a field was changed)` });
      }
      batch.push(recomputed);
      prevPrevHash = prevHash;
      prevHash = e.hash;
      expected = e.seq + 1;
      const cp = cpAt.get(e.seq);
      if (cp) closeBatch(cp);
    }
    options.onProgress?.(Math.min(total, expected - from), total);
  }
  if (expected <= to) skipGap(to);

  // A batch that fails its checkpoint because of an entry already located inside it is that
  // entry's consequence: rank it there. Unexplained, it points at the batch's first entry (a
  // consistent rewrite cannot be located more precisely than the batch the signature covers).
  const entryLevel = problems.filter((p) => ENTRY_KINDS.has(p.kind));
  for (const p of problems) {
    if (p.kind !== 'checkpoint' || !p.range) continue;
    const inside = entryLevel.filter((q) => q.seq >= p.range![0] && q.seq <= p.range![1]).map((q) => q.seq);
    if (inside.length) p.seq = Math.min(...inside);
  }
  problems.sort((a, b) => a.seq - b.seq || order(a.kind) - order(b.kind));
  const uncovered: [number, number] | undefined = head > (lastCp?.seq ?? 0) ? [(lastCp?.seq ?? 0) + 1, head] : undefined;
  return {
    ok: problemCount === 0, from, to: Math.max(to, from - 1), head, entries, checkpoints: checkedCps, timestamps, signers: [...signers],
    ...(problems.length ? { firstBroken: problems[0] } : {}), problems: problems.slice(0, MAX_PROBLEMS), problemCount,
    ...(uncovered ? { uncovered } : {}), ...(anchoredOnStoredHash !== undefined ? { anchoredOnStoredHash } : {}),
  };
}

const ENTRY_KINDS = new Set<ChainProblemKind>(['missing', 'inserted', 'link', 'hash']);
const KIND_ORDER: ChainProblemKind[] = ['missing', 'inserted', 'link', 'hash', 'checkpoint-order', 'checkpoint-signature', 'checkpoint', 'timestamp'];
function order(k: ChainProblemKind): number {
  return KIND_ORDER.indexOf(k);
}
