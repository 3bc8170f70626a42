import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { signDocumentBytes, trustedKeyFromCertificate, verifyDocumentBytes, type Signer } from '../../pki/index.ts';
import { listExamples, type Registry } from '../../standards/index.ts';

/** Options of {@link warmupPlugin}. */
export interface WarmupOptions {
  registry: Registry;
  /** How long to warm up, in milliseconds (WARMUP_MS); 0 skips it. */
  durationMs: number;
  /** The gateway's signer: its signature over an example is verified repeatedly. */
  signer?: Signer;
}

/** Work done per slice before yielding to the event loop, in milliseconds. */
const SLICE_MS = 10;

/** One unit of warm-up work: validate one published example, or verify one signed example. */
type Step = () => Promise<unknown> | unknown;

function steps(registry: Registry, signer: Signer | undefined): Step[] {
  const out: Step[] = [];
  for (const entry of registry.list()) {
    for (const ex of listExamples(entry)) {
      const body = readFileSync(ex.path);
      out.push(() => registry.validate({ body, format: ex.format, type: entry.type, version: entry.version }));
      if (signer && ex.format === 'xml') {
        const signed = signDocumentBytes(body, signer).output;
        const key = trustedKeyFromCertificate(signer.certificate);
        out.push(() => verifyDocumentBytes(signed, key, { anyTrustedParty: true }));
      }
    }
  }
  return out;
}

/**
 * Warm the XML paths up before `/ready` says ready: V8 tiers libxml2's WebAssembly up in the
 * background, and until it has, validation and signature checks run up to twice as slowly.
 * For `durationMs` after start the published examples are validated (and an XML example
 * signed by the gateway verified) over and over, in slices of about 10 ms with the event loop
 * free in between, so requests are served meanwhile; `/ready` answers 503 "warming up" until
 * it is done.
 */
async function warmup(app: FastifyInstance, opts: WarmupOptions): Promise<void> {
  let done = opts.durationMs <= 0;
  let stopped = false;
  app.addReadinessCheck('warm-up', async () => {
    if (!done) throw new Error('warming up');
  });
  app.addHook('onClose', async () => {
    stopped = true;
  });
  app.addHook('onReady', async () => {
    if (done) return;
    const started = Date.now();
    const work = steps(opts.registry, opts.signer);
    let runs = 0;
    let i = 0;
    const slice = async (): Promise<void> => {
      const sliceEnd = Date.now() + SLICE_MS;
      while (Date.now() < sliceEnd && work.length) {
        await work[i]!();
        i = (i + 1) % work.length;
        runs++;
      }
    };
    const run = async () => {
      try {
        while (!stopped && work.length && Date.now() - started < opts.durationMs) {
          await slice();
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        app.log.info({ ms: Date.now() - started, runs, distinct: work.length }, 'warm-up done');
      } catch (e) {
        // A warm-up failure must not keep the gateway unready: the same paths report their own errors.
        app.log.warn({ err: e }, 'warm-up stopped early');
      } finally {
        done = true;
      }
    };
    void run();
  });
}

/** Registered without encapsulation so its readiness check joins the app's. */
export const warmupPlugin = fp(warmup, { name: 'bxg-warmup', dependencies: ['bxg-health'] });
