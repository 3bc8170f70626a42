import type { Database, DbLogger } from '../../db/index.ts';
import { PassLoop } from '../pass-loop.ts';
import { HEAD_CHANNEL, PENDING_CHANNEL } from './publish.ts';

/** Arbitrary constant: the advisory-lock key that makes one sequencer run at a time across instances. */
const SEQUENCER_LOCK_KEY = 0x42584703;
/** Events numbered per pass (a longer backlog takes several passes). */
const BATCH = 1000;

/**
 * Number committed, unnumbered events: in publication order, after the current head, all with
 * one `added_at` (never before the head's). Runs under the lock, so passes commit in seq order.
 * @returns the new head seq, or undefined when there was nothing to number.
 */
export async function sequencePass(db: Database): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEQUENCER_LOCK_KEY]);
    const { rows } = await tx.query<{ head: string | number | null }>(
      `WITH head AS (
         SELECT coalesce(h.seq, 0) AS s, greatest(clock_timestamp(), h.added_at) AS t
         FROM (SELECT 1) one
         LEFT JOIN (SELECT seq, added_at FROM feed_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1) h ON true
       ), batch AS (
         SELECT id, row_number() OVER (ORDER BY id) AS n FROM feed_events WHERE seq IS NULL ORDER BY id LIMIT $1
       )
       UPDATE feed_events e SET seq = head.s + batch.n, added_at = head.t
       FROM head, batch WHERE e.id = batch.id
       RETURNING e.seq AS head`, [BATCH],
    );
    if (!rows.length) return undefined;
    const head = Math.max(...rows.map((r) => Number(r.head)));
    // Delivered at commit: every instance's streams and dispatchers read from their cursor.
    await tx.query('SELECT pg_notify($1, $2)', [HEAD_CHANNEL, String(head)]);
    return head;
  });
}

/** Options of {@link Sequencer}. */
export interface SequencerOptions {
  /** A pass also runs this often, whatever the notifications (a missed one loses nothing). */
  intervalMs?: number;
  logger?: DbLogger;
}

/**
 * Runs {@link sequencePass} whenever a publishing transaction commits (LISTEN) and on a timer.
 * Every instance runs one; the lock makes them take turns.
 */
export class Sequencer {
  private readonly loop = new PassLoop(async () => {
    // A full batch means more may be waiting.
    let head: number | undefined;
    let passes = 0;
    do {
      head = await sequencePass(this.db);
      passes++;
    } while (head !== undefined && passes < 100 && !this.loop.stopped && await this.hasBacklog());
  }, (e) => this.opts.logger?.warn({ reason: e.message }, 'feed sequencer pass failed; retrying on the next tick'));
  private unlisten?: () => Promise<void>;

  constructor(private readonly db: Database, private readonly opts: SequencerOptions = {}) {}

  /** Start listening and the timer; runs a first pass. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(PENDING_CHANNEL, () => this.kick());
    this.loop.start(this.opts.intervalMs ?? 1_000);
  }

  /** Run a pass now (or right after the one running). */
  kick(): void {
    this.loop.kick();
  }

  private async hasBacklog(): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM feed_events WHERE seq IS NULL LIMIT 1');
    return rowCount > 0;
  }

  /** Stop: no new passes; waits for the running one. */
  async stop(): Promise<void> {
    const ended = this.loop.stop();
    await this.unlisten?.().catch(() => {});
    await ended;
  }
}
