import type { Database, Queryable } from '../../db/index.ts';
import type { AttemptOutcome, ClaimedMessage, OutboxAttempt, OutboxEntry, OutboxState } from './types.ts';

/*
 * The outbox's SQL (tables: migrations 0013 and 0014). Times that decide when a message is due
 * are the database's (`now()`), so every instance on one PostgreSQL shares one clock.
 */

/** A new outbox row (the envelope already built). */
export interface NewOutboxRow {
  id: string;
  messageId: string;
  receiver: string;
  documentType: string;
  version: string;
  author: string;
  format: 'xml' | 'json';
  mediaType: string;
  envelope: Buffer;
  sha256: string;
  createdBy: string;
}

const MS = "($MS::double precision * interval '1 millisecond')";
/** `now() + n ms` for parameter number `p`. */
const later = (p: number) => `now() + ${MS.replace('$MS', `$${p}`)}`;

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

interface EntryRow {
  id: string; message_id: string; receiver: string; document_type: string; version: string; author: string;
  format: 'xml' | 'json'; media_type: string; sha256: string; state: OutboxState; attempts: number; budget_from: number;
  next_attempt_at: unknown; created_at: unknown; created_by: string; delivered_at: unknown; last_error: string | null;
  last_status: number | null; receipt: unknown; cursor: string;
}

const ENTRY_COLUMNS = `id, message_id, receiver, document_type, version, author, format, media_type, sha256, state, attempts,
  budget_from, next_attempt_at, created_at, created_by, delivered_at, last_error, last_status, receipt, created_at::text AS cursor`;

function toEntry(r: EntryRow): OutboxEntry {
  const receipt = typeof r.receipt === 'string' ? JSON.parse(r.receipt) as Record<string, unknown> : (r.receipt as Record<string, unknown> | null);
  return {
    id: r.id, messageId: r.message_id, receiver: r.receiver, documentType: r.document_type, version: r.version, author: r.author,
    format: r.format, mediaType: r.media_type, sha256: r.sha256, state: r.state, attempts: r.attempts,
    attemptsThisRound: r.attempts - r.budget_from,
    nextAttemptAt: r.state === 'queued' || r.state === 'sending' ? iso(r.next_attempt_at) : null,
    createdAt: iso(r.created_at)!, createdBy: r.created_by, deliveredAt: iso(r.delivered_at),
    lastError: r.last_error, lastStatus: r.last_status, receipt: receipt ?? null,
  };
}

interface AttemptRow {
  outbox_id: string; n: number; claimed_by: string; started_at: unknown; finished_at: unknown; outcome: AttemptOutcome | null;
  http_status: number | null; error: string | null; duration_ms: number | null;
}

function toAttempt(r: AttemptRow): OutboxAttempt {
  return {
    n: r.n, claimedBy: r.claimed_by, startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), outcome: r.outcome,
    httpStatus: r.http_status, error: r.error, durationMs: r.duration_ms,
  };
}

/** Insert a queued message (in the caller's transaction, with its audit entry). */
export async function insertOutboxRow(tx: Queryable, row: NewOutboxRow): Promise<void> {
  await tx.query(
    `INSERT INTO exchange_outbox (id, message_id, receiver, document_type, version, author, format, media_type, envelope, sha256, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [row.id, row.messageId, row.receiver, row.documentType, row.version, row.author, row.format, row.mediaType, row.envelope, row.sha256, row.createdBy],
  );
}

interface ClaimRow {
  id: string; message_id: string; receiver: string; document_type: string; media_type: string; envelope: Uint8Array;
  sha256: string; attempts: number; budget_from: number;
}

const CLAIM_RETURNING = 'id, message_id, receiver, document_type, media_type, envelope, sha256, attempts, budget_from';

/** Rows due now: queued and their time has come, or in `sending` under a lease that ran out. */
const DUE = `((o.state = 'queued' AND o.next_attempt_at <= now()) OR (o.state = 'sending' AND o.claimed_until < now()))`;

/**
 * Take the claimed rows: state `sending` under this worker's lease, the attempt counter moved
 * on, an attempt row written (its primary key makes a repeated attempt number impossible), and
 * an attempt whose lease ran out marked `lost`. Runs in the claiming transaction.
 */
async function take(tx: Queryable, ids: string[], workerId: string, leaseMs: number, probe: boolean): Promise<ClaimedMessage[]> {
  if (!ids.length) return [];
  await tx.query(
    `UPDATE exchange_outbox_attempts a SET outcome = 'lost', finished_at = now(), error = 'the lease ran out: the instance stopped or crashed mid-attempt'
     FROM exchange_outbox o WHERE o.id = a.outbox_id AND a.n = o.attempts AND a.outcome IS NULL AND o.id = ANY($1::uuid[])`,
    [ids],
  );
  const { rows } = await tx.query<ClaimRow>(
    `UPDATE exchange_outbox SET state = 'sending', attempts = attempts + 1, claimed_by = $2, claimed_until = ${later(3)}, updated_at = now()
     WHERE id = ANY($1::uuid[]) RETURNING ${CLAIM_RETURNING}`,
    [ids, workerId, leaseMs],
  );
  for (const r of rows) {
    await tx.query('INSERT INTO exchange_outbox_attempts (outbox_id, n, claimed_by) VALUES ($1, $2, $3)', [r.id, r.attempts, workerId]);
  }
  return rows.map((r) => ({
    id: r.id, messageId: r.message_id, receiver: r.receiver, documentType: r.document_type, mediaType: r.media_type,
    envelope: Buffer.from(r.envelope), sha256: r.sha256, attempt: r.attempts, attemptThisRound: r.attempts - r.budget_from, probe,
  }));
}

/**
 * Claim up to `limit` due messages whose partner's circuit is closed, with
 * `FOR UPDATE SKIP LOCKED`: concurrent workers (in this process or any other instance on the
 * database) never claim the same row.
 */
export async function claimDue(db: Database, opts: { workerId: string; leaseMs: number; circuitFailures: number; limit?: number }): Promise<ClaimedMessage[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT o.id FROM exchange_outbox o
       WHERE ${DUE}
         AND NOT EXISTS (SELECT 1 FROM exchange_partner_circuits c WHERE c.partner = o.receiver AND c.consecutive_failures >= $1)
       ORDER BY o.next_attempt_at, o.created_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [opts.circuitFailures, opts.limit ?? 1],
    );
    return take(tx, rows.map((r) => r.id), opts.workerId, opts.leaseMs, false);
  });
}

/**
 * The half-open circuit: for one partner whose circuit is open and whose wait is over, with no
 * probe in flight, claim one due message as the probe (the probe lease on the circuit row makes
 * it one at a time across every instance).
 */
export async function claimProbe(db: Database, opts: { workerId: string; leaseMs: number; circuitFailures: number }): Promise<ClaimedMessage | undefined> {
  return db.transaction(async (tx) => {
    const { rows: circuits } = await tx.query<{ partner: string }>(
      `SELECT c.partner FROM exchange_partner_circuits c
       WHERE c.consecutive_failures >= $1 AND (c.open_until IS NULL OR c.open_until <= now())
         AND (c.probe_until IS NULL OR c.probe_until < now())
         AND EXISTS (SELECT 1 FROM exchange_outbox o WHERE o.receiver = c.partner AND ${DUE})
       ORDER BY c.open_until NULLS FIRST
       LIMIT 1
       FOR UPDATE SKIP LOCKED`,
      [opts.circuitFailures],
    );
    const partner = circuits[0]?.partner;
    if (!partner) return undefined;
    const { rows } = await tx.query<{ id: string }>(
      `SELECT o.id FROM exchange_outbox o WHERE o.receiver = $1 AND ${DUE}
       ORDER BY o.next_attempt_at, o.created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [partner],
    );
    if (!rows[0]) return undefined;
    await tx.query(
      `UPDATE exchange_partner_circuits SET probe_by = $2, probe_until = ${later(3)}, updated_at = now() WHERE partner = $1`,
      [partner, opts.workerId, opts.leaseMs],
    );
    return (await take(tx, [rows[0].id], opts.workerId, opts.leaseMs, true))[0];
  });
}

/** Close the attempt row. */
async function finishAttempt(tx: Queryable, id: string, n: number, outcome: AttemptOutcome, f: { status?: number; error?: string; durationMs: number }): Promise<void> {
  await tx.query(
    `UPDATE exchange_outbox_attempts SET outcome = $3, finished_at = now(), http_status = $4, error = $5, duration_ms = $6
     WHERE outbox_id = $1 AND n = $2`,
    [id, n, outcome, f.status ?? null, f.error?.slice(0, 2000) ?? null, Math.round(f.durationMs)],
  );
}

/** The guard of every state change a worker makes: it still holds the row (same attempt, same worker). */
const HELD = "id = $1 AND attempts = $2 AND claimed_by = $3 AND state = 'sending'";

/**
 * Record a delivery: the message delivered with its verified receipt, the attempt closed.
 * @returns false when the worker no longer held the row (its lease was taken over): only the attempt is recorded.
 */
export async function markDelivered(tx: Queryable, m: ClaimedMessage, workerId: string, f: { status: number; receipt: Record<string, unknown>; durationMs: number }): Promise<boolean> {
  await finishAttempt(tx, m.id, m.attempt, 'delivered', f);
  const r = await tx.query(
    `UPDATE exchange_outbox SET state = 'delivered', delivered_at = now(), receipt = $4, last_status = $5, last_error = NULL,
       claimed_by = NULL, claimed_until = NULL, updated_at = now() WHERE ${HELD}`,
    [m.id, m.attempt, workerId, JSON.stringify(f.receipt), f.status],
  );
  return r.rowCount > 0;
}

/**
 * Record a failed attempt: back to `queued` for `delayMs`, or to `dead-letter` when `dead`.
 * @returns false when the worker no longer held the row.
 */
export async function markFailed(tx: Queryable, m: ClaimedMessage, workerId: string,
  f: { outcome: 'failed' | 'rejected'; status?: number; error: string; durationMs: number; dead: boolean; delayMs: number }): Promise<boolean> {
  await finishAttempt(tx, m.id, m.attempt, f.outcome, f);
  const r = await tx.query(
    `UPDATE exchange_outbox SET state = CASE WHEN $4 THEN 'dead-letter' ELSE 'queued' END, next_attempt_at = ${later(5)},
       last_error = $6, last_status = $7, claimed_by = NULL, claimed_until = NULL, updated_at = now() WHERE ${HELD}`,
    [m.id, m.attempt, workerId, f.dead, f.delayMs, f.error.slice(0, 2000), f.status ?? null],
  );
  return r.rowCount > 0;
}

/** Give a claimed message back (shutdown): queued again at once, the attempt closed as `released`. */
export async function release(tx: Queryable, m: ClaimedMessage, workerId: string, f: { error: string; durationMs: number }): Promise<boolean> {
  await finishAttempt(tx, m.id, m.attempt, 'released', f);
  const r = await tx.query(
    `UPDATE exchange_outbox SET state = 'queued', next_attempt_at = now(), claimed_by = NULL, claimed_until = NULL, updated_at = now() WHERE ${HELD}`,
    [m.id, m.attempt, workerId],
  );
  if (m.probe) await tx.query('UPDATE exchange_partner_circuits SET probe_by = NULL, probe_until = NULL WHERE partner = $1 AND probe_by = $2', [m.receiver, workerId]);
  return r.rowCount > 0;
}

/** The partner answered (delivered or refused the message itself): its circuit closes. */
export async function circuitSuccess(tx: Queryable, partner: string): Promise<boolean> {
  const r = await tx.query<{ was: number }>(
    `UPDATE exchange_partner_circuits SET consecutive_failures = 0, open_until = NULL, probe_by = NULL, probe_until = NULL,
       last_error = NULL, updated_at = now()
     WHERE partner = $1 AND consecutive_failures > 0 RETURNING 1 AS was`,
    [partner],
  );
  return r.rowCount > 0;
}

/**
 * A failed attempt to the partner: one more consecutive failure; at `threshold` (or on a failed
 * probe) the circuit opens for `openMs`.
 * @returns the consecutive failures and whether the circuit is open now.
 */
export async function circuitFailure(tx: Queryable, partner: string, error: string, threshold: number, openMs: number): Promise<{ failures: number; open: boolean }> {
  const { rows } = await tx.query<{ consecutive_failures: number; open: boolean }>(
    `INSERT INTO exchange_partner_circuits AS c (partner, consecutive_failures, open_until, last_error)
     VALUES ($1, 1, CASE WHEN 1 >= $3 THEN ${later(4)} END, $2)
     ON CONFLICT (partner) DO UPDATE SET consecutive_failures = c.consecutive_failures + 1,
       open_until = CASE WHEN c.consecutive_failures + 1 >= $3 THEN ${later(4)} ELSE NULL END,
       probe_by = NULL, probe_until = NULL, last_error = EXCLUDED.last_error, updated_at = now()
     RETURNING consecutive_failures, (consecutive_failures >= $3) AS open`,
    [partner, error.slice(0, 500), threshold, openMs],
  );
  return { failures: rows[0]!.consecutive_failures, open: rows[0]!.open };
}

/** A partner's circuit, as operators and metrics see it. */
export interface CircuitState {
  partner: string;
  consecutiveFailures: number;
  /** closed: sending; open: waiting until `openUntil`; half-open: the wait is over, one probe at a time. */
  state: 'closed' | 'open' | 'half-open';
  openUntil: string | null;
  lastError: string | null;
}

/** Every partner's circuit that has seen a failure. */
export async function readCircuits(q: Queryable, threshold: number): Promise<CircuitState[]> {
  const { rows } = await q.query<{ partner: string; consecutive_failures: number; open_until: unknown; last_error: string | null; waiting: boolean }>(
    `SELECT partner, consecutive_failures, open_until, last_error, (open_until IS NOT NULL AND open_until > now()) AS waiting
     FROM exchange_partner_circuits WHERE consecutive_failures > 0 ORDER BY partner`,
  );
  return rows.map((r) => ({
    partner: r.partner, consecutiveFailures: r.consecutive_failures,
    state: r.consecutive_failures < threshold ? 'closed' : r.waiting ? 'open' : 'half-open',
    openUntil: iso(r.open_until), lastError: r.last_error,
  }));
}

/** One message with its attempts, or undefined. */
export async function getEntry(q: Queryable, id: string): Promise<(OutboxEntry & { attemptList: OutboxAttempt[] }) | undefined> {
  const { rows } = await q.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM exchange_outbox WHERE id = $1`, [id]);
  if (!rows[0]) return undefined;
  const attempts = await q.query<AttemptRow>('SELECT * FROM exchange_outbox_attempts WHERE outbox_id = $1 ORDER BY n', [id]);
  return { ...toEntry(rows[0]), attemptList: attempts.rows.map(toAttempt) };
}

/** The stored envelope bytes and media type of a message. */
export async function getEnvelope(q: Queryable, id: string): Promise<{ bytes: Buffer; mediaType: string } | undefined> {
  const { rows } = await q.query<{ envelope: Uint8Array; media_type: string }>('SELECT envelope, media_type FROM exchange_outbox WHERE id = $1', [id]);
  return rows[0] ? { bytes: Buffer.from(rows[0].envelope), mediaType: rows[0].media_type } : undefined;
}

/** Filter and page of {@link listEntries}. */
export interface ListQuery {
  state?: OutboxState;
  receiver?: string;
  limit: number;
  /** The `next` cursor of the previous page. */
  cursor?: string;
}

/** Newest first, keyset-paged; each item with its attempts. */
export async function listEntries(q: Queryable, query: ListQuery): Promise<{ items: Array<OutboxEntry & { attemptList: OutboxAttempt[] }>; next: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.state) { params.push(query.state); where.push(`state = $${params.length}`); }
  if (query.receiver) { params.push(query.receiver); where.push(`receiver = $${params.length}`); }
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor);
    params.push(at, id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(query.limit + 1);
  const { rows } = await q.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM exchange_outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const byId = new Map<string, OutboxAttempt[]>(page.map((r) => [r.id, []]));
  if (page.length) {
    const attempts = await q.query<AttemptRow>('SELECT * FROM exchange_outbox_attempts WHERE outbox_id = ANY($1::uuid[]) ORDER BY outbox_id, n', [page.map((r) => r.id)]);
    for (const a of attempts.rows) byId.get(a.outbox_id)?.push(toAttempt(a));
  }
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ ...toEntry(r), attemptList: byId.get(r.id)! })),
    next: rows.length > query.limit && last ? Buffer.from(`${last.cursor}|${last.id}`, 'utf8').toString('base64url') : null,
  };
}

/** A page cursor's (created_at text, id); a malformed one reads as the start. */
function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  return [at ?? '', id ?? ''];
}

/** Check a page cursor's shape (so a forged one is a 400, not a database error). */
export function validCursor(cursor: string): boolean {
  const [at, id] = decodeCursor(cursor);
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(at) && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
}

/**
 * Operator: put a dead-lettered or cancelled message back in the queue, due now, with a fresh
 * retry budget. Locks the row; returns the state it was in (undefined: no such message).
 */
export async function requeueRow(tx: Queryable, id: string): Promise<{ from: OutboxState; messageId: string; receiver: string } | undefined> {
  const { rows } = await tx.query<{ state: OutboxState; message_id: string; receiver: string }>(
    'SELECT state, message_id, receiver FROM exchange_outbox WHERE id = $1 FOR UPDATE', [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.state === 'dead-letter' || row.state === 'cancelled') {
    await tx.query(
      `UPDATE exchange_outbox SET state = 'queued', budget_from = attempts, next_attempt_at = now(), last_error = NULL, updated_at = now() WHERE id = $1`,
      [id],
    );
  }
  return { from: row.state, messageId: row.message_id, receiver: row.receiver };
}

/** Operator: cancel a message not yet delivered nor in flight. Locks the row; returns the state it was in. */
export async function cancelRow(tx: Queryable, id: string): Promise<{ from: OutboxState; messageId: string; receiver: string } | undefined> {
  const { rows } = await tx.query<{ state: OutboxState; message_id: string; receiver: string }>(
    'SELECT state, message_id, receiver FROM exchange_outbox WHERE id = $1 FOR UPDATE', [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.state === 'queued' || row.state === 'dead-letter') {
    await tx.query(`UPDATE exchange_outbox SET state = 'cancelled', updated_at = now() WHERE id = $1`, [id]);
  }
  return { from: row.state, messageId: row.message_id, receiver: row.receiver };
}

/** Counts of the messages not delivered, by state, and the age of the oldest one waiting, for /metrics and /ready. */
export interface OutboxStats {
  /** Delivered messages are not counted here (they only grow; the deliveries counter has them). */
  byState: Record<Exclude<OutboxState, 'delivered'>, number>;
  /** Seconds; 0 when nothing waits. */
  oldestWaitingSeconds: number;
}

/** {@link OutboxStats} in one query over the state index (delivered rows are not read). */
export async function readStats(q: Queryable): Promise<OutboxStats> {
  const { rows } = await q.query<{ state: Exclude<OutboxState, 'delivered'>; n: string | number; oldest: string | number | null }>(
    `SELECT state, count(*) AS n,
       CASE WHEN state IN ('queued', 'sending') THEN extract(epoch FROM (now() - min(created_at))) END AS oldest
     FROM exchange_outbox WHERE state IN ('queued', 'sending', 'dead-letter', 'cancelled') GROUP BY state`,
  );
  const byState: OutboxStats['byState'] = { queued: 0, sending: 0, 'dead-letter': 0, cancelled: 0 };
  let oldest = 0;
  for (const r of rows) {
    byState[r.state] = Number(r.n);
    if (r.oldest !== null) oldest = Math.max(oldest, Number(r.oldest));
  }
  return { byState, oldestWaitingSeconds: oldest };
}
