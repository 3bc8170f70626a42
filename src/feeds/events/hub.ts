import { EventEmitter } from 'node:events';
import type { Database } from '../../db/index.ts';
import { HEAD_CHANNEL } from './publish.ts';

/**
 * One LISTEN per instance on the sequencer's channel, fanned out to this instance's streams
 * and dispatchers: each then reads the log from its own cursor (the database is the truth; a
 * notification only says "look").
 */
export class FeedHub {
  private readonly emitter = new EventEmitter();
  private unlisten?: () => Promise<void>;

  constructor(private readonly db: Database) {
    // Every open stream waits on it.
    this.emitter.setMaxListeners(0);
  }

  /** Start listening. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(HEAD_CHANNEL, () => this.emitter.emit('advance'));
  }

  /** Call `cb` whenever the log may have advanced; returns the function that stops. */
  onAdvance(cb: () => void): () => void {
    this.emitter.on('advance', cb);
    return () => this.emitter.off('advance', cb);
  }

  /** Wake every waiter (tests, shutdown). */
  wake(): void {
    this.emitter.emit('advance');
  }

  /** Stop listening. */
  async stop(): Promise<void> {
    await this.unlisten?.().catch(() => {});
  }
}
