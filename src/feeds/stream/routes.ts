import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/index.ts';
import { InvalidRequestError, NotFoundError, problemSchema as problem } from '../../errors/index.ts';
import type { FeedCollections } from '../events/collections.ts';
import type { FeedHub } from '../events/hub.ts';
import { headSeq, readEvents } from '../events/read.ts';
import { viewFor, type ViewedEvent } from '../events/view.ts';
import type { FeedTokens } from '../tokens/store.ts';

/** Options of {@link streamRoutes}. */
export interface StreamRoutesOptions {
  db: Database;
  collections: FeedCollections;
  hub: FeedHub;
  tokens: FeedTokens;
  /** A comment line this often keeps proxies from closing an idle stream; the token is re-checked too. */
  heartbeatMs: number;
  /** The `retry:` the client waits before reconnecting. */
  retryMs: number;
}

/** Events read per query. */
const PAGE = 500;
const SEQ = /^(0|[1-9][0-9]{0,14})$/;

/** One event in the SSE wire format: its seq as `id:`, `upsert` or `delete`, one line of JSON. */
export function formatEvent(v: ViewedEvent): string {
  const e = v.event;
  const data = {
    collection: e.collection, id: e.objectId, modified: e.modified.toISOString(), added: e.addedAt.toISOString(),
    ...(v.as === 'upsert' ? { object: e.payload } : {}),
  };
  return `id: ${e.seq}\nevent: ${v.as}\ndata: ${JSON.stringify(data)}\n\n`;
}

const example = 'retry: 2000\n\nid: 42\nevent: upsert\ndata: {"collection":"risk-records","id":"x-bxg-risk-record--…","modified":"…","added":"…","object":{…}}\n\n'
  + ': heartbeat\n\nid: 57\nevent: delete\ndata: {"collection":"risk-records","id":"x-bxg-risk-record--…","modified":"…","added":"…"}\n\n';

/**
 * `GET /v1/feeds/{collection}/stream`: Server-Sent Events of a collection as the caller may see
 * them, from `Last-Event-ID` (or `?after=`, or now), live across instances.
 */
export async function streamRoutes(app: FastifyInstance, opts: StreamRoutesOptions): Promise<void> {
  const { db, collections, hub, tokens } = opts;
  const open = new Set<PassThrough>();
  // Open streams never end on their own: shutting down ends them (clients reconnect elsewhere).
  app.addHook('preClose', async () => {
    for (const s of open) s.end();
  });

  app.get<{ Params: { collection: string }; Querystring: { after?: string } }>('/v1/feeds/:collection/stream', {
    config: { access: { kind: 'feed', scopes: ['stream'] } },
    schema: {
      tags: ['feeds'],
      summary: 'Live events of a collection (Server-Sent Events), resumable with Last-Event-ID',
      description: 'Needs a feed token with scope `stream` (Bearer, Token or Basic) or an RFC 9421 signed call. Each event has '
        + '`id:` (a strictly increasing sequence number), `event: upsert` (the object, visible to the caller now) or `event: delete` '
        + '(an object the caller had left its view, or was deleted). Reconnect with `Last-Event-ID` to receive exactly what followed. '
        + 'Without it, `?after=SEQ` starts after that event (0: from the start); else the stream starts now. See docs/feeds.md.',
      params: { type: 'object', properties: { collection: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$', maxLength: 63 } }, required: ['collection'] },
      querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', pattern: SEQ.source, maxLength: 15, description: 'start after this event id' } } },
      headers: { type: 'object', properties: { 'last-event-id': { type: 'string', maxLength: 64, description: 'the id of the last event received' } } },
      response: {
        200: { description: 'an event stream (text/event-stream)', content: { 'text/event-stream': { schema: { type: 'string', examples: [example] } } } },
        400: { ...problem, description: 'a malformed Last-Event-ID or after' },
        401: { ...problem, description: 'no or bad credentials (WWW-Authenticate)' },
        403: { ...problem, description: 'the token lacks scope stream' },
        404: { ...problem, description: 'no such collection' },
        429: { ...problem, description: 'too many failed authentications from this address' },
      },
    },
  }, async (request, reply) => {
    const collection = collections.get(request.params.collection);
    if (!collection) throw new NotFoundError({ detail: `no feed collection ${request.params.collection}` });
    const lastId = request.headers['last-event-id'];
    if (lastId !== undefined && (typeof lastId !== 'string' || !SEQ.test(lastId.trim()))) {
      throw new InvalidRequestError({ detail: 'Last-Event-ID must be an event id this gateway sent (a number)', errors: [{ code: 'feed.last-event-id', message: 'not an event id', path: 'headers/last-event-id' }] });
    }
    let cursor = lastId !== undefined ? Number(lastId.trim()) : request.query.after !== undefined ? Number(request.query.after) : await headSeq(db);
    const party = request.party!;
    const tokenId = request.feedCredential?.tokenId;

    const out = new PassThrough();
    open.add(out);
    let closed = false;
    let pending = true;
    let wake: (() => void) | undefined;
    const poke = () => { pending = true; wake?.(); };
    const stopAdvance = hub.onAdvance(poke);
    let checkToken = false;
    const heartbeat = setInterval(() => {
      out.write(': heartbeat\n\n');
      checkToken = tokenId !== undefined;
      poke();
    }, opts.heartbeatMs);
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      stopAdvance();
      open.delete(out);
      wake?.();
      out.end();
    };
    request.raw.on('close', finish);
    out.on('close', finish);

    const write = async (text: string) => {
      if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    };
    out.write(`retry: ${opts.retryMs}\n\n`);
    void (async () => {
      while (!closed) {
        if (!pending) await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
        pending = false;
        if (closed) break;
        // A revoked or expired token ends the stream (the reconnect is then refused).
        if (checkToken && tokenId && !(await tokens.isActive(tokenId))) break;
        checkToken = false;
        for (;;) {
          const events = await readEvents(db, collection.name, cursor, PAGE);
          if (!events.length || closed) break;
          for (const v of await viewFor(db, collection, party, events)) await write(formatEvent(v));
          cursor = events[events.length - 1]!.seq;
          if (events.length < PAGE) break;
        }
      }
    })().catch((e: Error) => {
      request.log.warn({ reason: e.message }, 'feed stream stopped (the client resumes with Last-Event-ID)');
    }).finally(finish);

    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-accel-buffering', 'no')
      .send(out);
  });
}
