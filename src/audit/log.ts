import type { Database, Queryable } from '../db/index.ts';
import { DatabaseUnavailableError, NotReadyError } from '../errors/index.ts';
import type { ParsedCertificate, Signer } from '../pki/index.ts';
import { signCheckpoint, type Checkpoint } from './checkpoint.ts';
import { entryHash, ENTRY_VERSION, GENESIS_HASH, type AuditEntry, type DetailValue } from './entry.ts';
import { merkleRootHex } from './merkle.ts';
import { ISO_MS, lastCheckpoint, readHashes, readHead, type EntryRow } from './store.ts';
import { requestTimestamp } from './timestamp.ts';
import { verifyChain } from './verify.ts';

/** Advisory-lock class of the sealer; the second key is the schema, so schemas keep separate chains. */
const SEAL_LOCK = 0x42584702;

/** Defaults of the checkpoint policy and the sealer. */
export const AUDIT_DEFAULTS = { checkpointEntries: 1000, checkpointSeconds: 60, sealIntervalMs: 200, sealBatch: 5000 } as const;

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  db: Database;
  /** This gateway's party id (named in every checkpoint). */
  gateway: string;
  /** The gateway's signer; without it no checkpoint can be signed and the log is not healthy. */
  signer?: Signer;
  /** Throws when the signer's certificate is not trusted now (expired, revoked): checked every few seconds. */
  checkSigner?: (signer: Signer) => Promise<void>;
  /** Throws when a checkpoint's certificate is not one of this gateway's (start-up tail check). */
  trustCheckpoint?: (certificate: ParsedCertificate, at: Date) => Promise<void>;
  /** A checkpoint every this many entries (default 1,000). */
  checkpointEntries?: number;
  /** …or when the oldest entry not yet under a checkpoint is this many seconds old (default 60). */
  checkpointSeconds?: number;
  /** How often the sealer looks for committed entries (default 200 ms). */
  sealIntervalMs?: number;
  /** Most entries sealed per transaction (default 5,000). */
  sealBatch?: number;
  /** RFC 3161 time-stamping authority for checkpoints. */
  tsa?: { url: string; anchors?: readonly Uint8Array[]; timeoutMs?: number };
  /** Where operational problems are reported (a pino logger fits). */
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What one sealing pass did. */
export interface SealResult {
  /** Another instance held the sealer lock: nothing was done. */
  busy: boolean;
  sealed: number;
  /** Sequence number of the newest entry after the pass (0 when the log is empty). */
  head: number;
  checkpoints: Checkpoint[];
}

/** The log's health: what /ready reports and what `assertHealthy` refuses on. */
export interface AuditHealth {
  healthy: boolean;
  /** One line per problem, e.g. "cannot sign checkpoints: …". */
  problems: string[];
}

type Problem = 'chain' | 'seal' | 'signer' | 'writable' | 'backlog' | 'timestamp';

/** One row of audit_pending: an entry's fields before sealing gives it seq and hashes. */
type PendingRow = Omit<EntryRow, 'seq' | 'prev_hash' | 'hash'> & { id: string | number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The audit log of one gateway instance: the sealer that chains committed entries (one sealer
 * at a time across every instance on the database, by advisory lock), the checkpoints it signs,
 * optional RFC 3161 time-stamps, and the health the gateway fails closed on. Entries are
 * written with {@link append} by the parts, in their own transactions.
 */
export class AuditLog {
  private readonly db: Database;
  private readonly n: number;
  private readonly t: number;
  private readonly interval: number;
  private readonly batch: number;
  private readonly problems = new Map<Problem, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastProbe = 0;
  private lastBacklogId: string | undefined;
  private tsaBackoffUntil = 0;

  constructor(readonly options: AuditLogOptions) {
    this.db = options.db;
    this.n = options.checkpointEntries ?? AUDIT_DEFAULTS.checkpointEntries;
    this.t = options.checkpointSeconds ?? AUDIT_DEFAULTS.checkpointSeconds;
    this.interval = options.sealIntervalMs ?? AUDIT_DEFAULTS.sealIntervalMs;
    this.batch = options.sealBatch ?? AUDIT_DEFAULTS.sealBatch;
    if (!options.signer) this.problems.set('signer', 'cannot sign checkpoints: the gateway has no signing key');
  }

  /** Health as last observed (cheap: for every request that needs it). */
  health(): AuditHealth {
    return { healthy: this.problems.size === 0, problems: [...this.problems.values()] };
  }

  /**
   * Throw NotReadyError (503) when the log cannot account for new work: the exchange pipeline
   * calls this before accepting a message.
   */
  assertHealthy(): void {
    if (this.problems.size) {
      throw new NotReadyError({ detail: `the audit log cannot record new messages: ${[...this.problems.values()].join('; ')}` });
    }
  }

  /** Re-check everything that can change (for /ready), then throw an Error naming the problems. */
  async readiness(): Promise<void> {
    await this.probe();
    // The timer's pass may still be waiting on a connection lost in an outage: once the database
    // is back, one pass here proves sealing works again (the advisory lock keeps it single).
    if (this.problems.has('seal') && !this.problems.has('chain')) {
      try {
        await this.sealOnce();
        this.problems.delete('seal');
      } catch (e) {
        this.setProblem('seal', `sealing audit entries fails: ${(e as Error).message}`, e);
      }
    }
    if (this.problems.size) throw new Error([...this.problems.values()].join('; '));
  }

  /**
   * Verify the tail of the chain (from the newest checkpoint's batch, or the last 10,000 entries
   * when there is none), check the signer, and start sealing on a timer.
   */
  async start(): Promise<void> {
    await this.verifyTail();
    await this.probe();
    this.stopped = false;
    this.schedule();
  }

  /** Stop the timer, seal what is committed and sign a final checkpoint (best effort). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.problems.has('chain')) return;
    try {
      await this.flush();
      if (this.options.signer && !this.problems.has('signer')) await this.checkpointNow();
      await this.stampPending();
    } catch (e) {
      this.options.logger?.warn({ err: e }, 'audit: final sealing at shutdown failed');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.interval);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const { rows } = await this.db.query<{ pending: boolean; due: boolean | null }>(
        `SELECT EXISTS (SELECT 1 FROM audit_pending) AS pending,
                (h.head > c.covered AND (h.head - c.covered >= $1
                   OR (SELECT recorded_at FROM audit_entries WHERE seq = c.covered + 1) <= clock_timestamp() - make_interval(secs => $2))) AS due
           FROM (SELECT coalesce(max(seq), 0) AS head FROM audit_entries) h,
                (SELECT coalesce(max(seq), 0) AS covered FROM audit_checkpoints) c`,
        [this.n, this.t],
      );
      if (rows[0]?.pending || rows[0]?.due) {
        for (let i = 0; i < 100; i++) {
          const r = await this.sealOnce();
          if (r.busy || r.sealed < this.batch) break;
        }
      }
      this.problems.delete('seal');
    } catch (e) {
      this.setProblem('seal', `sealing audit entries fails: ${(e as Error).message}`, e);
    }
    if (Date.now() - this.lastProbe > 5000) await this.probe().catch(() => {});
    if (this.options.tsa && Date.now() >= this.tsaBackoffUntil) await this.stampPending().catch(() => {});
  }

  private setProblem(key: Problem, message: string, err?: unknown): void {
    if (this.problems.get(key) !== message) {
      // A database outage is logged once, by the db part; here it is only why the log waits.
      if (err instanceof DatabaseUnavailableError) this.options.logger?.warn({ reason: err.message }, `audit: ${message}`);
      else this.options.logger?.error({ err }, `audit: ${message}`);
    }
    this.problems.set(key, message);
  }

  /**
   * One sealing pass, in one transaction under the sealer lock: move up to `sealBatch` committed
   * pending entries, in id order, into the chain (contiguous seq, prev hash, hash), then sign
   * the checkpoints that are due (every N entries; after T seconds; or now when `force`).
   */
  async sealOnce(options: { force?: boolean } = {}): Promise<SealResult> {
    return this.db.transaction(async (tx) => {
      const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema())) AS ok', [SEAL_LOCK]);
      if (!lock.rows[0]?.ok) return { busy: true, sealed: 0, head: 0, checkpoints: [] };
      const head = (await readHead(tx)) ?? { seq: 0, hash: GENESIS_HASH };
      // Never extend a chain found broken: entries wait in audit_pending until it is repaired.
      if (this.problems.has('chain')) return { busy: false, sealed: 0, head: head.seq, checkpoints: [] };
      const { rows } = await tx.query<PendingRow>(
        `SELECT id, ${ISO_MS('recorded_at')} AS time, actor, action, subject, payload_sha256, details::text AS details
           FROM audit_pending ORDER BY id LIMIT $1`,
        [this.batch],
      );
      let prev = head.hash;
      let seq = head.seq;
      const sealed: Array<AuditEntry & { pendingId: string }> = [];
      for (const r of rows) {
        const fields = {
          v: ENTRY_VERSION, seq: ++seq, time: r.time, actor: r.actor, action: r.action, subject: r.subject,
          payloadSha256: r.payload_sha256, details: r.details === null ? null : JSON.parse(r.details) as Record<string, DetailValue>, prevHash: prev,
        } as const;
        const hash = entryHash(fields);
        sealed.push({ ...fields, hash, pendingId: String(r.id) });
        prev = hash;
      }
      if (sealed.length) {
        await tx.query(
          `INSERT INTO audit_entries (seq, recorded_at, actor, action, subject, payload_sha256, details, prev_hash, hash, pending_id)
           SELECT seq, recorded_at, actor, action, subject, payload_sha256, details, prev_hash, hash, pending_id
             FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, recorded_at timestamptz, actor text, action text, subject text,
                  payload_sha256 text, details jsonb, prev_hash text, hash text, pending_id bigint)`,
          [JSON.stringify(sealed.map((e) => ({
            seq: e.seq, recorded_at: e.time, actor: e.actor, action: e.action, subject: e.subject, payload_sha256: e.payloadSha256,
            details: e.details, prev_hash: e.prevHash, hash: e.hash, pending_id: e.pendingId,
          })))],
        );
        // The delete trigger lets a pending row go only once an entry names it (just inserted).
        await tx.query('DELETE FROM audit_pending WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)', [JSON.stringify(sealed.map((e) => e.pendingId))]);
      }
      const checkpoints = await this.checkpointsDue(tx, seq, options.force ?? false);
      return { busy: false, sealed: sealed.length, head: seq, checkpoints };
    });
  }

  private async checkpointsDue(tx: Queryable, head: number, force: boolean): Promise<Checkpoint[]> {
    if (!head) return [];
    const signer = this.options.signer;
    const made: Checkpoint[] = [];
    const { rows } = await tx.query<{ number: string | number; seq: string | number }>('SELECT number, seq FROM audit_checkpoints ORDER BY number DESC LIMIT 1');
    let last = { number: Number(rows[0]?.number ?? 0), seq: Number(rows[0]?.seq ?? 0) };
    if (head <= last.seq) return made;
    if (!signer || this.problems.has('signer')) return made;
    const sign = async (seq: number) => {
      const cp = await this.makeCheckpoint(tx, signer, last, seq);
      made.push(cp);
      last = { number: cp.number, seq: cp.seq };
    };
    while (head - last.seq >= this.n) await sign(last.seq + this.n);
    if (head > last.seq) {
      const due = force || (await tx.query<{ due: boolean }>(
        'SELECT recorded_at <= clock_timestamp() - make_interval(secs => $2) AS due FROM audit_entries WHERE seq = $1', [last.seq + 1, this.t],
      )).rows[0]?.due;
      if (due) await sign(head);
    }
    return made;
  }

  private async makeCheckpoint(tx: Queryable, signer: Signer, last: { number: number; seq: number }, seq: number): Promise<Checkpoint> {
    const hashes = await readHashes(tx, last.seq + 1, seq);
    if (hashes.length !== seq - last.seq) throw new Error(`entries ${last.seq + 1}..${seq} are incomplete: cannot checkpoint`);
    const { rows } = await tx.query<{ now: string }>(`SELECT ${ISO_MS('clock_timestamp()')} AS now`);
    let cp: Checkpoint;
    try {
      cp = signCheckpoint(signer, {
        gateway: this.options.gateway, number: last.number + 1, fromSeq: last.seq + 1, seq,
        hash: hashes[hashes.length - 1]!.hash, root: merkleRootHex(hashes.map((h) => h.hash)), time: rows[0]!.now,
      });
    } catch (e) {
      this.setProblem('signer', `cannot sign checkpoints: ${(e as Error).message}`, e);
      throw e;
    }
    await tx.query(
      `INSERT INTO audit_checkpoints (number, gateway, from_seq, seq, hash, root, signed_at, key_id, alg, signature, certificate)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [cp.number, cp.gateway, cp.fromSeq, cp.seq, cp.hash, cp.root, cp.time, cp.keyId, cp.alg,
        Buffer.from(cp.signature, 'base64'), Buffer.from(cp.certificate, 'base64')],
    );
    return cp;
  }

  /**
   * Seal every entry committed before this call (waiting for another instance's sealer if it
   * holds the lock).
   * @throws NotReadyError when the chain is broken (nothing is sealed onto it) or sealing stalls.
   */
  async flush(timeoutMs = 15_000): Promise<void> {
    const { rows } = await this.db.query<{ max: string | number | null }>('SELECT max(id) AS max FROM audit_pending');
    const max = rows[0]?.max;
    if (max === null || max === undefined) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.problems.has('chain')) throw new NotReadyError({ detail: this.problems.get('chain')! });
      const r = await this.sealOnce();
      const left = await this.db.query('SELECT 1 FROM audit_pending WHERE id <= $1 LIMIT 1', [max]);
      if (!left.rowCount) return;
      if (Date.now() > deadline) throw new NotReadyError({ detail: 'audit entries could not be sealed in time' });
      if (r.busy) await sleep(20);
    }
  }

  /**
   * Seal what is committed and sign a checkpoint over the head now (an evidence export needs its
   * entries under a signed checkpoint). Returns the newest checkpoint, or undefined for an empty log.
   * @throws NotReadyError when no checkpoint can be signed.
   */
  async checkpointNow(timeoutMs = 15_000): Promise<Checkpoint | undefined> {
    await this.flush(timeoutMs);
    if (!this.options.signer || this.problems.has('signer')) {
      throw new NotReadyError({ detail: this.problems.get('signer') ?? 'cannot sign checkpoints' });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.sealOnce({ force: true });
      if (!r.busy) return lastCheckpoint(this.db);
      if (Date.now() > deadline) throw new NotReadyError({ detail: 'a checkpoint could not be signed in time' });
      await sleep(20);
    }
  }

  /** Ask the TSA for tokens over checkpoints that have none (made since this instance started, or earlier). */
  async stampPending(): Promise<number> {
    const tsa = this.options.tsa;
    if (!tsa) return 0;
    const { rows } = await this.db.query<{ number: string | number; signature: Uint8Array; age: number }>(
      `SELECT c.number, c.signature, extract(epoch FROM clock_timestamp() - c.signed_at)::float8 AS age
         FROM audit_checkpoints c LEFT JOIN audit_timestamps t ON t.checkpoint_number = c.number
        WHERE t.checkpoint_number IS NULL ORDER BY c.number LIMIT 20`,
    );
    let stamped = 0;
    for (const r of rows) {
      try {
        const ts = await requestTimestamp(tsa.url, Buffer.from(r.signature), { anchors: tsa.anchors, timeoutMs: tsa.timeoutMs });
        await this.db.query(
          'INSERT INTO audit_timestamps (checkpoint_number, token, gen_time, tsa_url) VALUES ($1, $2, $3, $4) ON CONFLICT (checkpoint_number) DO NOTHING',
          [r.number, ts.token, ts.genTime, tsa.url],
        );
        stamped++;
      } catch (e) {
        this.tsaBackoffUntil = Date.now() + 5000;
        // A checkpoint may wait for its token up to one checkpoint interval; longer is a failure.
        if (r.age > Math.max(this.t, 10)) this.setProblem('timestamp', `cannot time-stamp checkpoints: ${(e as Error).message}`, e);
        else this.options.logger?.warn({ err: e }, 'audit: time-stamping failed, will retry');
        return stamped;
      }
    }
    this.problems.delete('timestamp');
    return stamped;
  }

  /** Re-check what can change under a running gateway: the signer, write access, the sealer's progress. */
  private async probe(): Promise<void> {
    this.lastProbe = Date.now();
    const signer = this.options.signer;
    if (signer) {
      try {
        await this.options.checkSigner?.(signer);
        this.problems.delete('signer');
      } catch (e) {
        this.setProblem('signer', `cannot sign checkpoints: the gateway's key is not valid (${(e as Error).message})`, e);
      }
    }
    try {
      const { rows } = await this.db.query<{ ok: boolean; oldest: string | number | null; age: number | null }>(
        `SELECT has_table_privilege('audit_pending', 'INSERT') AND has_table_privilege('audit_entries', 'INSERT')
                AND has_table_privilege('audit_checkpoints', 'INSERT') AND has_table_privilege('audit_pending', 'DELETE') AS ok,
                p.id AS oldest, extract(epoch FROM clock_timestamp() - p.recorded_at)::float8 AS age
           FROM (SELECT 1) one LEFT JOIN (SELECT id, recorded_at FROM audit_pending ORDER BY id LIMIT 1) p ON true`,
      );
      const r = rows[0]!;
      if (!r.ok) this.setProblem('writable', 'the audit tables are not writable by this database role');
      else this.problems.delete('writable');
      // Behind: the same entry has waited since the last probe and for over 30 s.
      const oldest = r.oldest === null ? undefined : String(r.oldest);
      if (oldest !== undefined && oldest === this.lastBacklogId && (r.age ?? 0) > 30) {
        this.setProblem('backlog', `audit entries are not being sealed (the oldest has waited ${Math.round(r.age ?? 0)} s)`);
      } else {
        this.problems.delete('backlog');
      }
      this.lastBacklogId = oldest;
    } catch (e) {
      this.setProblem('writable', `the audit tables cannot be read: ${(e as Error).message}`, e);
    }
  }

  /** Verify the newest part of the chain; a broken one stops sealing and makes the log unhealthy. */
  async verifyTail(): Promise<void> {
    const head = await readHead(this.db);
    if (!head) {
      this.problems.delete('chain');
      return;
    }
    const last = await lastCheckpoint(this.db);
    const from = last ? last.fromSeq : Math.max(1, head.seq - 9999);
    const report = await verifyChain(this.db, { from, trust: this.options.trustCheckpoint ? { check: this.options.trustCheckpoint } : undefined });
    if (report.ok) {
      this.problems.delete('chain');
    } else {
      const first = report.firstBroken!;
      this.setProblem('chain', `the audit chain is broken at entry ${first.seq}: ${first.message} (run \`bxg audit verify\`)`);
    }
  }
}
