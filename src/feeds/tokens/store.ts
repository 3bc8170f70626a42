import type { Database } from '../../db/index.ts';
import { append } from '../../audit/index.ts';
import { InvalidRequestError, NotFoundError } from '../../errors/index.ts';
import { feedTokenId, feedTokenMatches, newFeedToken, type Party, type TrustStore } from '../../pki/index.ts';

import { FEED_SCOPES, type FeedScope } from './types.ts';

export { FEED_SCOPES, type FeedScope };

/** Longest lifetime of a feed token, in days. */
export const FEED_TOKEN_MAX_DAYS = 366;

/** A feed token as listed: never the token, only its public id. */
export interface FeedTokenInfo {
  /** The public part of the token (`bxgf_` + 12 characters): what `list` shows and `revoke` takes. */
  id: string;
  partyId: string;
  scopes: FeedScope[];
  issuedBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
  status: 'active' | 'expired' | 'revoked';
}

/** A presented token that checked out. */
export interface FeedCredential {
  tokenId: string;
  party: Party;
  scopes: readonly FeedScope[];
}

interface TokenRow {
  id: string; party_id: string; hash: string; scopes: string[]; issued_by: string;
  created_at: string | Date; expires_at: string | Date; revoked_at: string | Date | null; last_used_at: string | Date | null;
}

function toInfo(r: TokenRow, now = Date.now()): FeedTokenInfo {
  const expiresAt = new Date(r.expires_at);
  return {
    id: r.id, partyId: r.party_id, scopes: r.scopes as FeedScope[], issuedBy: r.issued_by,
    createdAt: new Date(r.created_at), expiresAt,
    ...(r.revoked_at ? { revokedAt: new Date(r.revoked_at) } : {}),
    ...(r.last_used_at ? { lastUsedAt: new Date(r.last_used_at) } : {}),
    status: r.revoked_at ? 'revoked' : expiresAt.getTime() <= now ? 'expired' : 'active',
  };
}

/**
 * Parse a lifetime such as `90d`, `12h` or `30m` into seconds.
 * @throws InvalidRequestError when malformed or longer than {@link FEED_TOKEN_MAX_DAYS}.
 */
export function parseLifetime(text: string): number {
  const m = /^([1-9][0-9]{0,6})([dhm])$/.exec(text);
  if (!m) throw new InvalidRequestError({ detail: `expiry must look like 90d, 12h or 30m, got "${text.slice(0, 20)}"`, errors: [{ code: 'token.expires', message: 'a number followed by d, h or m', path: 'expires' }] });
  const seconds = Number(m[1]) * { d: 86_400, h: 3_600, m: 60 }[m[2] as 'd' | 'h' | 'm'];
  if (seconds > FEED_TOKEN_MAX_DAYS * 86_400) {
    throw new InvalidRequestError({ detail: `a feed token lives at most ${FEED_TOKEN_MAX_DAYS} days`, errors: [{ code: 'token.expires', message: `at most ${FEED_TOKEN_MAX_DAYS}d`, path: 'expires' }] });
  }
  return seconds;
}

/** Check a list of scopes: known, at least one, no repeats (returned sorted). */
export function checkScopes(scopes: readonly string[]): FeedScope[] {
  const unknown = scopes.filter((s) => !(FEED_SCOPES as readonly string[]).includes(s));
  if (unknown.length || scopes.length === 0) {
    throw new InvalidRequestError({
      detail: unknown.length ? `unknown scope ${unknown.map((s) => JSON.stringify(s.slice(0, 40))).join(', ')}; known: ${FEED_SCOPES.join(', ')}` : 'give at least one scope',
      errors: [{ code: 'token.scope', message: `scopes among ${FEED_SCOPES.join(', ')}`, path: 'scopes' }],
    });
  }
  return [...new Set(scopes as FeedScope[])].sort();
}

/** Last-use times are written at most this often per token (a busy client is not a write per call). */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Feed tokens: issued to a registered party with scopes and an expiry, stored as a hash only,
 * listed by their public id, revoked at once (the next request with it fails). Issuing and
 * revoking are recorded in the audit log, in the same transaction.
 */
export class FeedTokens {
  constructor(private readonly db: Database, private readonly trust: TrustStore) {}

  /**
   * Issue a token. The returned `token` is the only time the secret exists outside the client.
   * @throws NotFoundError for an unknown party; InvalidRequestError for bad scopes or expiry.
   */
  async issue(input: { partyId: string; scopes: readonly string[]; expiresInSeconds: number; actor: string }): Promise<{ token: string; info: FeedTokenInfo }> {
    const scopes = checkScopes(input.scopes);
    if (!Number.isInteger(input.expiresInSeconds) || input.expiresInSeconds < 60 || input.expiresInSeconds > FEED_TOKEN_MAX_DAYS * 86_400) {
      throw new InvalidRequestError({ detail: `a feed token lives between 1 minute and ${FEED_TOKEN_MAX_DAYS} days`, errors: [{ code: 'token.expires', message: 'out of range', path: 'expires' }] });
    }
    if (!(await this.trust.getParty(input.partyId))) throw new NotFoundError({ detail: `no party ${input.partyId} in the trust store` });
    const made = newFeedToken();
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TokenRow>(
        `INSERT INTO feed_tokens (id, party_id, hash, scopes, issued_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING *`,
        [made.id, input.partyId, made.hash, scopes, input.actor, input.expiresInSeconds],
      );
      const r = rows[0]!;
      await append(tx, {
        actor: input.actor, action: 'feed-token.issued', subject: made.id,
        details: { partyId: input.partyId, scopes: scopes.join(','), expiresAt: new Date(r.expires_at).toISOString() },
      });
      return r;
    });
    return { token: made.token, info: toInfo(row) };
  }

  /** Tokens (public ids only), newest first; of one party when given. */
  async list(partyId?: string): Promise<FeedTokenInfo[]> {
    const { rows } = partyId
      ? await this.db.query<TokenRow>('SELECT * FROM feed_tokens WHERE party_id = $1 ORDER BY created_at DESC, id', [partyId])
      : await this.db.query<TokenRow>('SELECT * FROM feed_tokens ORDER BY created_at DESC, id');
    return rows.map((r) => toInfo(r));
  }

  /**
   * Revoke a token now: the next request carrying it is refused.
   * @throws NotFoundError when no token has this id.
   */
  async revoke(id: string, actor: string): Promise<FeedTokenInfo> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TokenRow>(
        'UPDATE feed_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *', [id],
      );
      if (!rows[0]) throw new NotFoundError({ detail: `no feed token ${id.slice(0, 40)}` });
      await append(tx, { actor, action: 'feed-token.revoked', subject: id, details: { partyId: rows[0].party_id } });
      return toInfo(rows[0]);
    });
  }

  /** Is this token still usable (not revoked, not expired)? Long-lived streams ask again as they go. */
  async isActive(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM feed_tokens WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()', [id]);
    return rowCount > 0;
  }

  /**
   * Check a presented token (and, for HTTP Basic, the party named as user). Resolves with the
   * credential, or with the reason it is refused — for the log only: every refusal looks the
   * same to the caller.
   */
  async authenticate(token: string, partyId?: string): Promise<FeedCredential | { refused: string }> {
    const id = feedTokenId(token);
    if (!id) return { refused: 'not a feed token' };
    const { rows } = await this.db.query<TokenRow & { expired: boolean }>(
      'SELECT *, expires_at <= now() AS expired FROM feed_tokens WHERE id = $1', [id],
    );
    const r = rows[0];
    if (!r || !feedTokenMatches(token, r.hash)) return { refused: `unknown token ${id}` };
    if (r.revoked_at) return { refused: `token ${id} revoked` };
    if (r.expired) return { refused: `token ${id} expired` };
    if (partyId !== undefined && partyId !== r.party_id) return { refused: `token ${id} belongs to another party than ${partyId.slice(0, 20)}` };
    const party = await this.trust.getParty(r.party_id);
    if (!party) return { refused: `token ${id}: party ${r.party_id} no longer registered` };
    if (!r.last_used_at || Date.now() - new Date(r.last_used_at).getTime() > LAST_USED_RESOLUTION_MS) {
      await this.db.query('UPDATE feed_tokens SET last_used_at = now() WHERE id = $1', [id]);
    }
    const { certificates: _c, authorities: _a, ...plain } = party;
    return { tokenId: id, party: plain, scopes: r.scopes as FeedScope[] };
  }
}
