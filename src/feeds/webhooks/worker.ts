import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Database, DbLogger } from '../../db/index.ts';
import { append } from '../../audit/index.ts';
import { webhookSignature, type TrustStore } from '../../pki/index.ts';
import type { FeedCollections } from '../events/collections.ts';
import type { FeedHub } from '../events/hub.ts';
import { readEvents } from '../events/read.ts';
import { viewFor } from '../events/view.ts';
import { PassLoop } from '../pass-loop.ts';
import { resolvePublic } from './url-guard.ts';

/** Options of {@link WebhookWorker}. */
export interface WebhookWorkerOptions {
  db: Database;
  collections: FeedCollections;
  trust: TrustStore;
  hub: FeedHub;
  /** Deliver to loopback, link-local and private addresses too (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** The first retry waits about this long; each next one twice as long (at most an hour). */
  retryBaseMs: number;
  /** This many failed attempts in a row disable the subscription (with an audit entry). */
  disableAfter: number;
  /** One delivery attempt gives up after this long. */
  timeoutMs?: number;
  /** A pass also runs this often (a missed notification loses nothing). */
  intervalMs?: number;
  logger?: DbLogger;
}

/** Deliveries claimed per pass, and in flight at once. */
const CLAIM = 50;
/** Events read per subscription per pass. */
const PAGE = 500;

interface DueRow {
  id: string; subscription_id: string; body: string; attempts: number; url: string;
  secret: string; previous_secret: string | null; previous_valid: boolean;
}

/**
 * Turns feed events into webhook deliveries (per subscription: its collection, types and the
 * party's view) and delivers them, signed as Standard Webhooks specifies, with retries and
 * backoff. Every instance runs one: subscriptions and deliveries are claimed with
 * FOR UPDATE SKIP LOCKED, so each is worked on by one instance at a time.
 */
export class WebhookWorker {
  private readonly loop = new PassLoop(async () => {
    await this.dispatch();
    await this.deliverDue();
  }, (e) => this.opts.logger?.warn({ reason: e.message }, 'webhook pass failed; retrying on the next tick'));
  private stopAdvance?: () => void;
  private readonly inFlight = new Set<Promise<void>>();
  /** Aborts the attempts in flight when stopping (they are due again after their lease). */
  private readonly abort = new AbortController();

  constructor(private readonly opts: WebhookWorkerOptions) {}

  private get stopped(): boolean {
    return this.loop.stopped;
  }

  /** Start: woken by the feed hub and a timer. */
  start(): void {
    this.stopAdvance = this.opts.hub.onAdvance(() => this.kick());
    this.loop.start(this.opts.intervalMs ?? 1_000);
  }

  /** Run a pass now (or right after the running one). */
  kick(): void {
    this.loop.kick();
  }

  /** Stop: no new passes; waits for the running one and the deliveries in flight. */
  async stop(): Promise<void> {
    const ended = this.loop.stop();
    this.stopAdvance?.();
    this.abort.abort();
    await ended;
    await Promise.allSettled([...this.inFlight]);
  }

  /** New events → deliveries, for every active subscription this instance can claim. */
  async dispatch(): Promise<void> {
    const { db, collections, trust } = this.opts;
    const { rows: subs } = await db.query<{ id: string; party_id: string }>("SELECT id, party_id FROM webhook_subscriptions WHERE status = 'active' ORDER BY id");
    for (const { id, party_id: partyId } of subs) {
      if (this.stopped) return;
      // Read before the transaction: the embedded database runs one statement stream at a time.
      const party = await trust.getParty(partyId);
      if (!party) continue;
      for (;;) {
        const more = await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ id: string; party_id: string; collection: string; event_types: string[]; cursor: string | number }>(
            "SELECT id, party_id, collection, event_types, cursor FROM webhook_subscriptions WHERE id = $1 AND status = 'active' FOR UPDATE SKIP LOCKED", [id],
          );
          const sub = rows[0];
          if (!sub) return false;
          const collection = collections.get(sub.collection);
          if (!collection || sub.party_id !== party.id) return false;
          const events = await readEvents(tx, sub.collection, Number(sub.cursor), PAGE);
          if (!events.length) return false;
          const viewed = (await viewFor(tx, collection, party, events)).filter((v) => sub.event_types.includes(v.as));
          if (viewed.length) {
            const ids = viewed.map((v) => `msg_${sub.id.slice(6)}_${v.event.seq}`);
            const bodies = viewed.map((v) => JSON.stringify({
              type: `feed.${v.as}`,
              timestamp: v.event.addedAt.toISOString(),
              data: {
                collection: v.event.collection, id: v.event.objectId, seq: v.event.seq,
                modified: v.event.modified.toISOString(), added: v.event.addedAt.toISOString(),
                ...(v.as === 'upsert' ? { object: v.event.payload } : {}),
              },
            }));
            await tx.query(
              `INSERT INTO webhook_deliveries (id, subscription_id, seq, body)
               SELECT unnest($1::text[]), $2, unnest($3::bigint[]), unnest($4::text[]) ON CONFLICT DO NOTHING`,
              [ids, sub.id, viewed.map((v) => v.event.seq), bodies],
            );
          }
          await tx.query('UPDATE webhook_subscriptions SET cursor = $2 WHERE id = $1', [sub.id, events[events.length - 1]!.seq]);
          return events.length === PAGE;
        });
        if (!more) break;
      }
    }
  }

  /** Claim due deliveries (a lease: they are due again later if this instance dies) and send them. */
  async deliverDue(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const due = await this.opts.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
           WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.status = 'active'
           ORDER BY d.next_attempt_at, d.seq LIMIT $1 FOR UPDATE OF d SKIP LOCKED`, [CLAIM],
        );
        if (!rows.length) return [];
        const lease = Math.ceil((this.opts.timeoutMs ?? 10_000) / 1000) + 30;
        const { rows: claimed } = await tx.query<DueRow>(
          `UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
           FROM webhook_subscriptions s
           WHERE d.id = ANY($1) AND s.id = d.subscription_id
           RETURNING d.id, d.subscription_id, d.body, d.attempts, s.url, s.secret, s.previous_secret,
             (s.previous_until IS NOT NULL AND s.previous_until > now()) AS previous_valid`,
          [rows.map((r) => r.id), lease],
        );
        return claimed;
      });
      if (!due.length) return;
      await Promise.all(due.map((d) => {
        const p = this.attempt(d).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
        return p;
      }));
    }
  }

  private async attempt(d: DueRow): Promise<void> {
    const { db } = this.opts;
    const timestamp = Math.floor(Date.now() / 1000);
    const secrets = d.previous_valid && d.previous_secret ? [d.secret, d.previous_secret] : [d.secret];
    const error = await post(d.url, d.body, {
      'content-type': 'application/json',
      'user-agent': 'bxg-webhooks/1',
      'webhook-id': d.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(secrets, d.id, timestamp, d.body),
    }, { allowPrivate: this.opts.allowPrivate, timeoutMs: this.opts.timeoutMs ?? 10_000, signal: this.abort.signal });
    // Stopped mid-attempt: leave the delivery to its lease (another instance, or the next start).
    if (this.stopped) return;
    await db.transaction(async (tx) => {
      if (!error) {
        await tx.query("UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1", [d.id]);
        await tx.query('UPDATE webhook_subscriptions SET failure_streak = 0 WHERE id = $1', [d.subscription_id]);
        return;
      }
      const delay = Math.min(this.opts.retryBaseMs * 2 ** Math.min(d.attempts - 1, 20), 3_600_000) * (0.8 + Math.random() * 0.4);
      await tx.query(
        'UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1',
        [d.id, delay / 1000, error.slice(0, 500)],
      );
      const { rows } = await tx.query<{ failure_streak: number; party_id: string }>(
        `UPDATE webhook_subscriptions SET failure_streak = failure_streak + 1 WHERE id = $1 AND status = 'active'
         RETURNING failure_streak, party_id`, [d.subscription_id],
      );
      const sub = rows[0];
      if (sub && sub.failure_streak >= this.opts.disableAfter) {
        const reason = `${sub.failure_streak} failed delivery attempts in a row; last: ${error.slice(0, 300)}`;
        await tx.query(
          "UPDATE webhook_subscriptions SET status = 'disabled', disabled_at = now(), disabled_reason = $2 WHERE id = $1",
          [d.subscription_id, reason],
        );
        await append(tx, { actor: 'system', action: 'webhook.disabled', subject: d.subscription_id, details: { partyId: sub.party_id, failures: sub.failure_streak, lastError: error.slice(0, 300) } });
        this.opts.logger?.warn({ subscription: d.subscription_id, party: sub.party_id }, `webhook subscription disabled: ${reason}`);
      }
    });
  }
}

/**
 * POST `body` to `url`. The connection's address is checked when it is resolved (no gap
 * between the check and the connection for a name to change its answer).
 * @returns undefined on a 2xx answer, else what went wrong.
 */
export function post(url: string, body: string, headers: Record<string, string>, opts: { allowPrivate: boolean; timeoutMs: number; signal?: AbortSignal }): Promise<string | undefined> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const lookup: LookupFunction = (hostname, options, cb) => {
      resolvePublic(hostname, opts.allowPrivate).then((r) => {
        if ('refused' in r) return cb(Object.assign(new Error(`address refused: ${r.refused}`), { code: 'EBXGREFUSED' }), '', 4);
        const wanted = options.family === 6 || options.family === 4 ? r.addresses.filter((a) => a.family === options.family) : r.addresses;
        const list = wanted.length ? wanted : r.addresses;
        if ((options as { all?: boolean }).all) return (cb as unknown as (e: null, a: typeof list) => void)(null, list);
        cb(null, list[0]!.address, list[0]!.family);
      }, (e: Error) => cb(e as NodeJS.ErrnoException, '', 4));
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const options: RequestOptions = {
      method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: opts.timeoutMs, lookup,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    // A literal address skips lookup: check it here.
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    const pre = /^[0-9.]+$|:/.test(literal) ? resolvePublic(literal, opts.allowPrivate) : Promise.resolve(undefined);
    void pre.then((r) => {
      if (r && 'refused' in r) return resolve(`address refused: ${r.refused}`);
      const req = send(target, options, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode! >= 200 && res.statusCode! < 300 ? undefined : `HTTP ${res.statusCode}`));
        res.on('error', (e) => resolve(e.message));
      });
      // The socket timeout does not cover a connect that hangs: a timer does.
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      req.on('error', (e) => resolve(e.message));
      req.end(body);
    });
  });
}
