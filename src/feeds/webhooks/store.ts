import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/index.ts';
import { append } from '../../audit/index.ts';
import { InvalidRequestError, NotFoundError } from '../../errors/index.ts';
import { newWebhookSecret } from '../../pki/index.ts';
import type { FeedCollections } from '../events/collections.ts';
import { headSeq } from '../events/read.ts';
import { resolvePublic, urlProblem } from './url-guard.ts';

/** The event types a subscription may ask for. */
export const WEBHOOK_EVENT_TYPES = ['upsert', 'delete'] as const;

/** A subscription as its owner sees it (never its secret, except once when made or rotated). */
export interface Subscription {
  id: string;
  partyId: string;
  url: string;
  collection: string;
  types: string[];
  status: 'active' | 'disabled';
  failureStreak: number;
  disabledAt?: string;
  disabledReason?: string;
  previousSecretUntil?: string;
  pendingDeliveries: number;
  createdAt: string;
}

interface SubRow {
  id: string; party_id: string; url: string; collection: string; event_types: string[]; status: 'active' | 'disabled';
  failure_streak: number; disabled_at: string | Date | null; disabled_reason: string | null; previous_until: string | Date | null;
  created_at: string | Date; pending?: string | number;
}

const iso = (d: string | Date) => new Date(d).toISOString();

function toSub(r: SubRow): Subscription {
  return {
    id: r.id, partyId: r.party_id, url: r.url, collection: r.collection, types: r.event_types, status: r.status,
    failureStreak: r.failure_streak,
    ...(r.disabled_at ? { disabledAt: iso(r.disabled_at) } : {}),
    ...(r.disabled_reason ? { disabledReason: r.disabled_reason } : {}),
    ...(r.previous_until && new Date(r.previous_until).getTime() > Date.now() ? { previousSecretUntil: iso(r.previous_until) } : {}),
    pendingDeliveries: Number(r.pending ?? 0), createdAt: iso(r.created_at),
  };
}

const SELECT = `SELECT s.*, (SELECT count(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending') AS pending
  FROM webhook_subscriptions s`;

/** Check a webhook URL as written and by every address its host resolves to. */
export async function checkWebhookUrl(url: string, allowPrivate: boolean): Promise<void> {
  const problem = urlProblem(url) ?? (await (async () => {
    const r = await resolvePublic(new URL(url).hostname, allowPrivate);
    return 'refused' in r ? r.refused : undefined;
  })());
  if (problem) {
    throw new InvalidRequestError({
      detail: `webhook URL refused: ${problem}${/private/.test(problem) ? ' (an operator may allow it: WEBHOOK_ALLOW_PRIVATE)' : ''}`,
      errors: [{ code: 'webhook.url', message: problem, path: '/url' }],
    });
  }
}

/** Webhook subscriptions of parties: made, listed, rotated, re-enabled and removed by their owner. */
export class Subscriptions {
  constructor(private readonly db: Database, private readonly collections: FeedCollections, private readonly allowPrivate: boolean) {}

  /**
   * Subscribe `partyId` to events of a collection from now on. Returns the subscription and
   * its secret (shown this once).
   */
  async create(partyId: string, input: { url: string; collection: string; types?: string[] }): Promise<{ subscription: Subscription; secret: string }> {
    if (!this.collections.get(input.collection)) {
      throw new InvalidRequestError({ detail: `no feed collection ${input.collection}`, errors: [{ code: 'webhook.collection', message: 'unknown collection', path: '/collection' }] });
    }
    await checkWebhookUrl(input.url, this.allowPrivate);
    const types = [...new Set(input.types ?? [...WEBHOOK_EVENT_TYPES])].sort();
    const id = `whsub_${[...randomBytes(16)].map((b) => 'abcdefghijkmnopqrstuvwxyz23456789'[b % 33]).join('')}`;
    const secret = newWebhookSecret();
    const row = await this.db.transaction(async (tx) => {
      const cursor = await headSeq(tx);
      const { rows } = await tx.query<SubRow>(
        `INSERT INTO webhook_subscriptions (id, party_id, url, collection, event_types, secret, cursor, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $2) RETURNING *`,
        [id, partyId, input.url, input.collection, types, secret, cursor],
      );
      await append(tx, { actor: partyId, action: 'webhook.subscribed', subject: id, details: { collection: input.collection, url: input.url.slice(0, 500) } });
      return rows[0]!;
    });
    return { subscription: toSub(row), secret };
  }

  /** The party's subscriptions (every one when `partyId` is undefined). */
  async list(partyId?: string): Promise<Subscription[]> {
    const { rows } = partyId
      ? await this.db.query<SubRow>(`${SELECT} WHERE s.party_id = $1 ORDER BY s.created_at, s.id`, [partyId])
      : await this.db.query<SubRow>(`${SELECT} ORDER BY s.created_at, s.id`);
    return rows.map(toSub);
  }

  /** One subscription of the party. @throws NotFoundError (also for another party's). */
  async get(partyId: string | undefined, id: string, q: Queryable = this.db): Promise<Subscription> {
    const { rows } = await q.query<SubRow>(`${SELECT} WHERE s.id = $1 AND ($2::text IS NULL OR s.party_id = $2)`, [id, partyId ?? null]);
    if (!rows[0]) throw new NotFoundError({ detail: `no subscription ${id.slice(0, 40)}` });
    return toSub(rows[0]);
  }

  /** Remove a subscription and its pending deliveries. */
  async remove(partyId: string | undefined, id: string, actor: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query('DELETE FROM webhook_subscriptions WHERE id = $1 AND ($2::text IS NULL OR party_id = $2)', [id, partyId ?? null]);
      if (!rowCount) throw new NotFoundError({ detail: `no subscription ${id.slice(0, 40)}` });
      await append(tx, { actor, action: 'webhook.unsubscribed', subject: id });
    });
  }

  /**
   * A new secret; the previous one keeps signing (beside it) for `overlapSeconds`, so the
   * receiver can switch without losing a delivery.
   */
  async rotateSecret(partyId: string, id: string, overlapSeconds: number): Promise<{ secret: string; previousSecretUntil: string }> {
    const secret = newWebhookSecret();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ previous_until: string | Date }>(
        `UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = now() + make_interval(secs => $3), secret = $4
         WHERE id = $1 AND party_id = $2 RETURNING previous_until`,
        [id, partyId, overlapSeconds, secret],
      );
      if (!rows[0]) throw new NotFoundError({ detail: `no subscription ${id.slice(0, 40)}` });
      await append(tx, { actor: partyId, action: 'webhook.secret-rotated', subject: id, details: { overlapSeconds } });
      return { secret, previousSecretUntil: iso(rows[0].previous_until) };
    });
  }

  /** Re-enable a disabled subscription (its failure streak starts again from 0). */
  async enable(partyId: string, id: string): Promise<Subscription> {
    return this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE webhook_subscriptions SET status = 'active', failure_streak = 0, disabled_at = NULL, disabled_reason = NULL
         WHERE id = $1 AND party_id = $2`, [id, partyId],
      );
      if (!rowCount) throw new NotFoundError({ detail: `no subscription ${id.slice(0, 40)}` });
      await append(tx, { actor: partyId, action: 'webhook.enabled', subject: id });
      return this.get(partyId, id, tx);
    });
  }
}
