import type { DatabaseAvailability, DbLogger } from './database.ts';

/** Options of {@link AvailabilityMonitor}. */
export interface MonitorOptions {
  /**
   * Ask the database a trivial question; resolve when it answered. The probe bounds its own
   * waits by `timeoutMs` (connect and query); the monitor adds a backstop.
   */
  probe: (timeoutMs: number) => Promise<void>;
  timeoutMs: number;
  /** Probe interval while up: notices a frozen connection that no request is waiting on. */
  upIntervalMs?: number;
  /** Probe interval while down: how soon the database's return is noticed. */
  downIntervalMs?: number;
  logger?: DbLogger;
  /** Called when the database became unavailable: drop the connections it left hanging. */
  onDown?: () => void;
}

/** Why a probe failed, in one line (no stack). */
function reasonOf(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return typeof err?.code === 'string' && !message.includes(err.code) ? `${message} (${err.code})` : message;
}

/**
 * Watches whether PostgreSQL answers. One probe at a time, in the background: every
 * `upIntervalMs` while up, every `downIntervalMs` while down, and at once when a query failed
 * in a way that suggests the database is gone. A failed probe marks it down; a successful one
 * marks it up. Each change is logged once (down at error, up at info, never a stack), so an
 * outage is two log lines however many requests it refused.
 */
export class AvailabilityMonitor implements DatabaseAvailability {
  up = true;
  outages = 0;
  private downSince = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private started = false;
  private readonly upIntervalMs: number;
  private readonly downIntervalMs: number;

  constructor(private readonly options: MonitorOptions) {
    this.upIntervalMs = options.upIntervalMs ?? 1_000;
    this.downIntervalMs = options.downIntervalMs ?? 250;
  }

  /**
   * Begin probing in the background (the timer never keeps the process alive). Without it,
   * or with `upIntervalMs` 0, probes run only after a failure, and then until the database
   * is back.
   */
  start(): void {
    this.started = true;
    this.schedule();
  }

  /** Stop probing. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** When it went down (epoch ms), or 0 while up. */
  get since(): number {
    return this.up ? 0 : this.downSince;
  }

  /** Probe now (joins a probe already running). Never rejects. */
  check(): Promise<void> {
    this.running ??= this.probeOnce().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** (Re)arm the timer for the current state: every probe, and every change of state, re-arms it. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const interval = this.up ? (this.started ? this.upIntervalMs : 0) : this.downIntervalMs;
    if (this.stopped || interval <= 0) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, interval);
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    let backstop: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.probe(this.options.timeoutMs),
        new Promise<never>((_, reject) => {
          backstop = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs + 500);
        }),
      ]);
      if (!this.stopped) this.markUp();
    } catch (e) {
      if (!this.stopped) {
        const reason = reasonOf(e);
        this.markDown(/timeout|no answer/i.test(reason) ? `no answer within ${this.options.timeoutMs} ms (${reason})` : reason);
      }
    } finally {
      clearTimeout(backstop);
    }
  }

  private markDown(reason: string): void {
    if (!this.up) return;
    this.up = false;
    this.outages++;
    this.downSince = Date.now();
    this.options.logger?.error({ reason, outages: this.outages }, `database unavailable: ${reason}; requests are answered 503 until it returns`);
    this.options.onDown?.();
    this.schedule();
  }

  private markUp(): void {
    if (this.up) return;
    const downMs = Date.now() - this.downSince;
    this.up = true;
    this.downSince = 0;
    this.options.logger?.info({ downMs }, `database available again after ${(downMs / 1000).toFixed(1)} s`);
    this.schedule();
  }
}
