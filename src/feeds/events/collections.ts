import type { Queryable } from '../../db/index.ts';
import type { Party } from '../../pki/index.ts';
import { COLLECTION_PATTERN } from './publish.ts';

/**
 * A feed collection, registered by the part that owns its objects (the risk part registers
 * risk records with its one visibility filter). Feeds never decide visibility themselves.
 */
export interface FeedCollection {
  /** URL-safe name (`risk-records`): `/v1/feeds/{name}/stream`, the events' `collection`. */
  name: string;
  title: string;
  description?: string;
  /**
   * Which of `objectIds` `party` may see now (their current state). Called for every batch of
   * events a stream or webhook sends; an object not returned is not sent, and is sent as a
   * deletion to a party that had it.
   */
  visibleTo(q: Queryable, party: Party, objectIds: readonly string[]): Promise<Set<string>>;
}

/** The collections parts registered, by name. */
export class FeedCollections {
  private readonly byName = new Map<string, FeedCollection>();

  /**
   * Register a collection.
   * @throws Error on a malformed or already registered name (a programming error).
   */
  register(collection: FeedCollection): void {
    if (!COLLECTION_PATTERN.test(collection.name)) throw new Error(`feed collection name must match ${COLLECTION_PATTERN}: ${collection.name}`);
    if (this.byName.has(collection.name)) throw new Error(`feed collection ${collection.name} is registered twice`);
    this.byName.set(collection.name, collection);
  }

  /** The collection of this name, if registered. */
  get(name: string): FeedCollection | undefined {
    return this.byName.get(name);
  }

  /** Every registered collection, by name. */
  list(): FeedCollection[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
