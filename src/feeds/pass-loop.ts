/**
 * Runs one pass at a time, when kicked (a notification, a timer): a kick during a pass runs one
 * more right after it, so nothing signalled meanwhile waits for the next tick. A failed pass is
 * reported and the loop carries on. Shared by the feed sequencer and the webhook worker.
 */
export class PassLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private halted = false;

  constructor(private readonly pass: () => Promise<void>, private readonly onError: (e: Error) => void) {}

  /** True once {@link stop} was called: passes check it to end early. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Kick every `intervalMs` (the timer never keeps the process alive) and once now. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Run a pass now (or right after the one running). */
  kick(): void {
    if (this.halted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (e) {
          if (!this.halted) this.onError(e as Error);
        }
      } while (this.again && !this.halted);
    })().finally(() => { this.running = undefined; });
  }

  /** No new passes (at once); resolves when the running one has ended. */
  stop(): Promise<void> {
    this.halted = true;
    if (this.timer) clearInterval(this.timer);
    return this.running?.catch(() => {}) ?? Promise.resolve();
  }
}
