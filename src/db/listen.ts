/** Channels are identifiers written into LISTEN (which takes no parameters): checked strictly. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Check a LISTEN/NOTIFY channel name.
 * @throws Error when it is not a lower-case identifier of at most 63 characters.
 */
export function checkChannel(channel: string): string {
  if (!CHANNEL.test(channel)) throw new Error(`not a channel name (lower-case identifier): ${JSON.stringify(channel)}`);
  return channel;
}

/** Callbacks by channel, shared by the adapters. */
export class Listeners {
  readonly byChannel = new Map<string, Set<(payload: string) => void>>();

  /** Add a callback; true when it is the channel's first (the adapter must LISTEN). */
  add(channel: string, cb: (payload: string) => void): boolean {
    let set = this.byChannel.get(channel);
    const first = !set;
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(cb);
    return first;
  }

  /** Remove a callback; true when the channel has none left (the adapter may UNLISTEN). */
  remove(channel: string, cb: (payload: string) => void): boolean {
    const set = this.byChannel.get(channel);
    if (!set) return false;
    set.delete(cb);
    if (set.size) return false;
    this.byChannel.delete(channel);
    return true;
  }

  /** Call every callback of `channel` (a throwing callback does not stop the others). */
  emit(channel: string, payload: string): void {
    for (const cb of [...(this.byChannel.get(channel) ?? [])]) {
      try {
        cb(payload);
      } catch {
        // A listener's own failure is its own business.
      }
    }
  }

  /** Call every callback of every channel with `''`: notifications may have been missed. */
  wakeAll(): void {
    for (const channel of this.byChannel.keys()) this.emit(channel, '');
  }
}
