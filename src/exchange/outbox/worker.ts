import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { append } from '../../audit/index.ts';
import type { Database } from '../../db/index.ts';
import type { Signer, TrustStore } from '../../pki/index.ts';
import type { AgreementStore, RetryPolicy } from '../agreements/types.ts';
import { nextDelayMs } from './backoff.ts';
import { deliver } from './deliver.ts';
import { circuitFailure, circuitSuccess, claimDue, claimProbe, markDelivered, markFailed, release } from './store.ts';
import type { ClaimedMessage, DeliveryResult, OutboxSettings } from './types.ts';

/** The part of a pino logger the workers write to. */
export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the workers need. */
export interface OutboxWorkerDeps {
  db: Database;
  agreements: Pick<AgreementStore, 'current'>;
  trust: TrustStore;
  /** This gateway's signer; without one nothing is sent (the gateway is not ready anyway). */
  signer: Signer | undefined;
  settings: OutboxSettings;
  logger: WorkerLogger;
  /** Called once per finished attempt (metrics). `deadLettered`: the message went to dead-letter with it. */
  onResult?: (receiver: string, outcome: DeliveryResult['outcome'], deadLettered: boolean) => void;
}

/** The retry policy when the partner has no agreement any more: one attempt, no retry. */
const NO_RETRY: RetryPolicy = { attempts: 1, baseMs: 0, capMs: 0 };

/**
 * The in-process delivery workers: each claims one due message at a time (`FOR UPDATE SKIP
 * LOCKED`, under a lease), delivers it, and records the outcome, the partner's circuit and the
 * audit entries in one transaction. `stop` lets in-flight deliveries finish within the grace
 * time, then aborts them and gives their messages back to the queue.
 */
export class OutboxWorkers {
  /** This instance's name in `claimed_by` (host, pid and a random part: unique across restarts). */
  readonly instance = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private stopping = false;
  private readonly shutdown = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(private readonly deps: OutboxWorkerDeps) {}

  /** Start the configured number of workers (none when `settings.workers` is 0). */
  start(): void {
    if (this.loops.length || this.stopping) return;
    if (!this.deps.signer && this.deps.settings.workers > 0) {
      // Nothing can be sent unsigned; the gateway is not ready either (its signing-key check fails).
      this.deps.logger.warn({}, "outbox: no delivery workers: the gateway's signing key is missing");
      return;
    }
    for (let i = 1; i <= this.deps.settings.workers; i++) this.loops.push(this.loop(`${this.instance}#${i}`));
  }

  /** Make idle workers look for due messages now (after an enqueue or a requeue). */
  wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /**
   * Stop: no new claims; wait up to `graceMs` for deliveries in flight, then abort them (their
   * messages are released: queued again, due at once, for this or another instance).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    const all = Promise.all(this.loops);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), graceMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.shutdown.abort();
      await all;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.wakers.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async loop(workerId: string): Promise<void> {
    const { db, settings, logger } = this.deps;
    while (!this.stopping) {
      let m: ClaimedMessage | undefined;
      try {
        const opts = { workerId, leaseMs: settings.leaseMs, circuitFailures: settings.circuitFailures };
        m = (await claimDue(db, opts))[0] ?? await claimProbe(db, opts);
      } catch (e) {
        if (!this.stopping) logger.warn({ err: e, workerId }, 'outbox: cannot claim due messages; retrying');
        await this.sleep(settings.pollMs);
        continue;
      }
      if (!m) {
        await this.sleep(settings.pollMs);
        continue;
      }
      try {
        await this.process(m, workerId);
      } catch (e) {
        // The row stays claimed; its lease runs out and it is tried again (the attempt reads `lost`).
        logger.error({ err: e, workerId, outboxId: m.id }, 'outbox: an attempt could not be recorded');
        await this.sleep(settings.pollMs);
      }
    }
  }

  private async process(m: ClaimedMessage, workerId: string): Promise<void> {
    const { db, settings, trust, signer } = this.deps;
    const agreement = await this.deps.agreements.current(m.receiver);
    let result: DeliveryResult;
    if (!signer) {
      result = { outcome: 'released', error: "the gateway's signing key is missing", durationMs: 0 };
    } else if (!agreement || !agreement.active || !agreement.endpoint) {
      result = { outcome: 'rejected', error: `no active agreement with an endpoint for ${m.receiver}`, durationMs: 0 };
    } else {
      result = await deliver(m, agreement.endpoint, { signer, trust, timeoutMs: settings.requestTimeoutMs, shutdown: this.shutdown.signal });
    }
    const policy = agreement?.retry ?? NO_RETRY;
    const dead = await db.transaction((tx) => this.record(tx, m, workerId, result, policy));
    this.deps.onResult?.(m.receiver, result.outcome, dead);
  }

  /** Record one attempt's outcome; returns whether the message went to dead-letter. */
  private async record(tx: Parameters<Parameters<Database['transaction']>[0]>[0], m: ClaimedMessage, workerId: string, result: DeliveryResult, policy: RetryPolicy): Promise<boolean> {
    const { settings, logger } = this.deps;
    const attempted = async (extra: Record<string, string | number | boolean | null>) => append(tx, {
      actor: 'system', action: 'delivery.attempted', subject: m.messageId, payloadSha256: m.sha256,
      details: { receiver: m.receiver, attempt: m.attempt, outcome: result.outcome, ...extra },
    });
    if (result.outcome === 'delivered') {
      const held = await markDelivered(tx, m, workerId, result);
      await circuitSuccess(tx, m.receiver);
      await attempted({ status: result.status });
      const receiptId = typeof result.receipt.receiptId === 'string' ? result.receipt.receiptId : null;
      if (held) {
        await append(tx, {
          actor: 'system', action: 'delivery.delivered', subject: m.messageId, payloadSha256: m.sha256,
          details: { receiver: m.receiver, attempts: m.attempt, status: result.status, receiptId },
        });
      }
      return false;
    }
    if (result.outcome === 'released') {
      await release(tx, m, workerId, result);
      await attempted({ error: result.error.slice(0, 300) });
      return false;
    }
    const dead = result.outcome === 'rejected' || m.attemptThisRound >= policy.attempts;
    const delayMs = dead ? 0 : nextDelayMs(policy, m.attemptThisRound, result.outcome === 'failed' ? result.retryAfterMs : undefined, settings.retryAfterMaxMs);
    const held = await markFailed(tx, m, workerId, { ...result, dead, delayMs });
    if (result.outcome === 'failed') {
      const c = await circuitFailure(tx, m.receiver, result.error, settings.circuitFailures, settings.circuitOpenMs);
      if (c.open && (c.failures === settings.circuitFailures || m.probe)) {
        await append(tx, {
          actor: 'system', action: 'delivery.circuit-opened', subject: m.receiver,
          details: { consecutiveFailures: c.failures, openMs: settings.circuitOpenMs, probe: m.probe },
        });
        logger.warn({ partner: m.receiver, failures: c.failures }, `outbox: circuit to ${m.receiver} open for ${settings.circuitOpenMs} ms`);
      }
    } else {
      // The partner answered and refused this message: it is reachable.
      await circuitSuccess(tx, m.receiver);
    }
    await attempted({ status: result.status ?? null, error: result.error.slice(0, 300), ...(dead ? {} : { retryInMs: delayMs }) });
    if (dead && held) {
      await append(tx, {
        actor: 'system', action: 'delivery.dead-lettered', subject: m.messageId, payloadSha256: m.sha256,
        details: { receiver: m.receiver, attempts: m.attempt, reason: result.error.slice(0, 300) },
      });
      logger.warn({ outboxId: m.id, messageId: m.messageId, receiver: m.receiver }, `outbox: message ${m.messageId} to ${m.receiver} dead-lettered: ${result.error.slice(0, 200)}`);
    }
    return dead && held;
  }
}
