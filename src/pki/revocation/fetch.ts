/** Limits on fetching revocation data from a CA's servers. */
export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

/** Default: 5 s, 10 MiB (a large CRL). */
export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 5000, maxBytes: 10 * 1024 * 1024 };

/**
 * GET or POST over HTTP(S) with a timeout and a size limit; only http: and https: URLs (a
 * certificate's URL is attacker-influenced: no file:, no redirects to other schemes).
 */
export async function fetchBytes(
  url: string, limits: FetchLimits, init: { method?: 'GET' | 'POST'; body?: Uint8Array; contentType?: string; accept?: string } = {},
): Promise<Buffer> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`refusing to fetch ${u.protocol} URL`);
  const res = await fetch(u, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: { ...(init.contentType ? { 'content-type': init.contentType } : {}), ...(init.accept ? { accept: init.accept } : {}) },
    redirect: 'error',
    signal: AbortSignal.timeout(limits.timeoutMs),
  });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limits.maxBytes) throw new Error(`${url} answer is larger than ${limits.maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > limits.maxBytes) throw new Error(`${url} answer is larger than ${limits.maxBytes} bytes`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}
