import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../../db/index.ts';
import { wasmMemoryBytes } from '../../xml/index.ts';
import { access } from '../access.ts';

/**
 * Prometheus metrics at `GET /metrics`: request counts and a latency histogram per route
 * (the route pattern, never the raw URL, so ids don't explode the label space), the
 * database pool state and availability (`bxg_db_up`, `bxg_db_unavailable_total`), and the
 * size of libxml2's WebAssembly memory. Each app has its own registry, so several apps can
 * live in a process.
 */
async function metrics(app: FastifyInstance, opts: { db: Database }): Promise<void> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'bxg_http_requests_total', help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  const latency = new Histogram({
    name: 'bxg_http_request_duration_seconds', help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const, registers: [registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const pool = new Gauge({
    name: 'bxg_db_pool_connections', help: 'Database pool connections by state',
    labelNames: ['state'] as const, registers: [registry],
    collect() {
      const s = opts.db.poolStats();
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  const xmlMemory = new Gauge({
    name: 'bxg_xml_wasm_memory_bytes', help: 'Memory of the libxml2 WebAssembly instance (grows with the largest documents, never shrinks)',
    registers: [registry],
    collect() {
      this.set(wasmMemoryBytes());
    },
  });
  const dbUp = new Gauge({
    name: 'bxg_db_up', help: 'Whether the database answers (1) or is known to be unavailable (0)',
    registers: [registry],
    collect() {
      this.set(opts.db.availability.up ? 1 : 0);
    },
  });
  let outagesSeen = 0;
  const dbOutages = new Counter({
    name: 'bxg_db_unavailable_total', help: 'Times the database became unavailable (outages begun) since start',
    registers: [registry],
    collect() {
      const n = opts.db.availability.outages;
      if (n > outagesSeen) this.inc(n - outagesSeen);
      outagesSeen = n;
    },
  });
  void pool;
  void xmlMemory;
  void dbUp;
  void dbOutages;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', {
    config: { access: access.public },
    schema: {
      tags: ['operations'], summary: 'Prometheus metrics',
      response: {
        200: {
          description: 'The metrics in the Prometheus text exposition format (version 0.0.4)',
          content: {
            'text/plain': {
              schema: {
                type: 'string',
                examples: ['# HELP bxg_db_up Whether the database answers (1) or is known to be unavailable (0)\n# TYPE bxg_db_up gauge\nbxg_db_up 1\n'],
              },
            },
          },
        },
      },
    },
  }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}

/** Registered without encapsulation so its decorators and hooks apply to the whole app. */
export const metricsPlugin = fp(metrics, { name: 'bxg-metrics' });
