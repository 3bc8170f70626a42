/*
 * The one timing loop every benchmark uses: a warm-up, then batches until the time is up.
 * Rates per wall-clock second and per CPU second of this process (the one-core figure, more
 * stable on a shared machine; it also counts V8's background GC threads).
 */

/** What one measurement found. */
export interface Measured {
  /** Operations per wall-clock second. */
  perSecond: number;
  /** Operations per second of this process's CPU time. */
  perCpuSecond: number;
  /** CPU microseconds per operation. */
  microseconds: number;
}

function report(elapsedNs: bigint, cpu: NodeJS.CpuUsage, n: number): Measured {
  const seconds = Number(elapsedNs) / 1e9;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { perSecond: n / seconds, perCpuSecond: n / cpuSeconds, microseconds: (cpuSeconds / n) * 1e6 };
}

/** Run `fn` (sync or async) for about `ms` milliseconds after `warmup` calls. */
export async function measure(fn: () => unknown, ms = 1200, warmup = 200): Promise<Measured> {
  const isAsync = fn() instanceof Promise;
  // One await per batch of 50, so a synchronous `fn` is timed without per-call microtasks.
  const batch = isAsync
    ? async () => { for (let i = 0; i < 50; i++) await fn(); }
    : () => { for (let i = 0; i < 50; i++) fn(); };
  for (let i = 0; i < warmup; i += 50) await batch();
  let n = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    await batch();
    n += 50;
    elapsed = process.hrtime.bigint() - start;
  }
  return report(elapsed, process.cpuUsage(cpu), n);
}

/**
 * Run `fn` for `ms` milliseconds before anything is measured. V8 first runs WebAssembly
 * (libxml2-wasm) from its baseline compiler and tiers hot functions up in the background;
 * pinned to one core that takes a few seconds, during which rates are up to 2× lower. A
 * running gateway is past it after its first seconds of traffic, so benches that use
 * libxml2 report the steady state.
 */
export function warmUp(fn: () => unknown, ms = 4000): void {
  const end = Date.now() + ms;
  while (Date.now() < end) for (let i = 0; i < 50; i++) fn();
}
