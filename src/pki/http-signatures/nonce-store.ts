import type { Database } from '../../db/index.ts';

/**
 * Nonces of accepted signed requests, in the database so every gateway instance refuses a
 * replay. A nonce is kept until the signature that carried it could no longer be accepted
 * (created + window); expired ones are purged at most once a minute per process.
 */
export class NonceStore {
  private lastPurge = 0;

  constructor(private readonly db: Database, private readonly purgeEveryMs = 60_000) {}

  /**
   * Record a nonce for a key. Resolves false when it was already seen (a replay).
   * Call only after the signature verified, so a forger cannot burn someone else's nonce.
   */
  async use(keyId: string, nonce: string, expiresAt: Date): Promise<boolean> {
    await this.maybePurge();
    const r = await this.db.query(
      'INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [keyId, nonce, expiresAt],
    );
    return r.rowCount === 1;
  }

  /** Delete nonces that can no longer be replayed; returns how many. */
  async purge(now = new Date()): Promise<number> {
    this.lastPurge = Date.now();
    const r = await this.db.query('DELETE FROM request_nonces WHERE expires_at < $1', [now]);
    return r.rowCount;
  }

  private async maybePurge(): Promise<void> {
    if (Date.now() - this.lastPurge >= this.purgeEveryMs) await this.purge();
  }
}
