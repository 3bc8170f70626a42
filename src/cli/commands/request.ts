import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';

/** Exit code of `bxg request` when the answer's signature is missing or does not verify. */
export const EXIT_UNVERIFIED = 3;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Options of `bxg request`. */
interface RequestOptions {
  data?: string;
  type?: string;
  key: string;
  cert: string;
  trust?: string;
  verify: boolean;
  json?: boolean;
  timeout: string;
}

/** A certificate the answer may be signed with, and where it came from (for the report). */
interface GatewayKey {
  keyId: string;
  publicKey: KeyObject;
  subject: string;
  source: string;
}

/** What `bxg request` found out about the answer's signature. */
type Verification =
  | { verified: true; keyId: string; subject: string; source: string }
  | { verified: false; reason: string; source?: string }
  | { verified: null; reason: 'not checked (--no-verify)' };

async function readBody(data: string): Promise<Buffer> {
  const { readFileSync } = await import('node:fs');
  if (!data.startsWith('@')) return Buffer.from(data, 'utf8');
  const file = data.slice(1);
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
  }
}

/** The media type of a body when --type is not given: XML when it starts with `<`, else JSON. */
function guessType(body: Buffer): string {
  const text = body.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('<') ? 'application/xml' : 'application/json';
}

function headerMap(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => { out[name.toLowerCase()] = value; });
  return out;
}

/** The gateway's certificates: from `--trust FILE` (pinned) or its public endpoint (fetched now). */
async function gatewayKeys(target: URL, trustFile: string | undefined, timeoutMs: number): Promise<GatewayKey[]> {
  const { parseCertificate, readCertificates } = await import('../../pki/index.ts');
  const keys = (pems: Array<string | Buffer>, source: string): GatewayKey[] => pems.flatMap((p) => readCertificates(p)).map((der) => {
    const c = parseCertificate(der);
    return { keyId: c.keyId, publicKey: c.publicKey, subject: c.subject, source };
  });
  if (trustFile) {
    const { readFileSync } = await import('node:fs');
    let bytes: Buffer;
    try {
      bytes = readFileSync(trustFile);
    } catch (e) {
      throw new CliError(`cannot read --trust ${trustFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
    }
    try {
      return keys([bytes], trustFile);
    } catch (e) {
      throw new CliError(`--trust ${trustFile}: ${(e as Error).message}`, EXIT.USAGE);
    }
  }
  const where = new URL('/v1/gateway/certificates', target.origin).href;
  const res = await fetch(where, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${where} answered ${res.status}`);
  const doc = (await res.json()) as { certificates?: Array<{ pem?: unknown }> };
  // The key ids are recomputed from the certificates, not taken from the listing.
  return keys((doc.certificates ?? []).map((c) => String(c.pem ?? '')), where);
}

/** Check the answer's RFC 9421 signature against each candidate certificate. */
async function verifyAnswer(
  response: { status: number; headers: Record<string, string>; body: Buffer },
  request: { method: string; url: string; headers: Record<string, string> },
  candidates: GatewayKey[],
): Promise<Verification> {
  const { verifyResponse } = await import('../../pki/index.ts');
  if (!response.headers.signature && !response.headers['signature-input']) {
    return { verified: false, reason: 'the answer is not signed (the gateway signs its answers to the signed calls it authenticated)' };
  }
  let reason = 'no certificate to check it with';
  for (const key of candidates) {
    const check = verifyResponse(response, request, key);
    if (check.ok) return { verified: true, keyId: key.keyId, subject: key.subject, source: key.source };
    // "another key" only when no candidate matched; a matching key's reason wins.
    if (check.reason !== 'response signed by another key' || reason === 'no certificate to check it with') reason = check.reason;
  }
  if (reason === 'response signed by another key') reason = 'signed by a key that is not among the gateway certificates';
  return { verified: false, reason, source: candidates[0]?.source };
}

function describe(v: Verification): string {
  if (v.verified === true) return `response signature: verified, key ${v.keyId} (${v.subject}; certificate from ${v.source})`;
  if (v.verified === null) return `response signature: ${v.reason}`;
  return `response signature: NOT VERIFIED: ${v.reason}${v.source ? ` (certificates from ${v.source})` : ''}`;
}

/**
 * `bxg request METHOD URL [--data @FILE] [--type T] --key K --cert C [--trust FILE] [--json]`:
 * a curl for the gateway's signed API. The call gets a Content-Digest (with a body), an RFC 9421
 * signature with a fresh nonce over `@method`, `@target-uri` (the URL exactly as given, which
 * must be the gateway's PUBLIC_URL + path) and, with a body, `content-digest` and
 * `content-type`. The answer's signature is checked against the gateway's certificate: pinned
 * with `--trust FILE`, else fetched from `ORIGIN/v1/gateway/certificates` just before.
 *
 * Exit codes: 0 a 2xx answer whose signature verified; 1 the gateway answered with an error
 * status (4xx/5xx, its problem+json printed); 2 usage, file or network error (one line);
 * 3 a non-error answer whose signature is missing or does not verify.
 */
export function register(program: Command): void {
  program
    .command('request')
    .description('send an RFC 9421 signed call to the gateway and verify its signed answer (exit 0 ok, 1 error status, 2 usage/network, 3 answer not verified)')
    .argument('<method>', `HTTP method (${METHODS.join(', ')})`)
    .argument('<url>', "the full URL as the gateway is reached: its PUBLIC_URL + path and query (this is the signed @target-uri)")
    .option('--data <data>', 'the body: text, @FILE, or @- for standard input')
    .option('--type <media-type>', 'Content-Type of the body (default: application/xml when it starts with "<", else application/json)')
    .requiredOption('--key <file>', "the caller's private key (PEM or DER)")
    .requiredOption('--cert <file>', "the key's certificate, registered with the gateway (its thumbprint is the keyid)")
    .option('--trust <file>', "PEM file of the gateway's certificate(s) to verify answers with (default: fetched from URL's origin /v1/gateway/certificates)")
    .option('--no-verify', "do not check the answer's signature")
    .option('--json', 'print one JSON object: status, verification, headers, body')
    .option('--timeout <ms>', 'give up after this many milliseconds', '30000')
    .action(async (methodArg: string, urlArg: string, opts: RequestOptions) => {
      const method = methodArg.toUpperCase();
      if (!(METHODS as readonly string[]).includes(method)) throw new CliError(`method must be one of ${METHODS.join(', ')}, got "${methodArg}"`, EXIT.USAGE);
      let target: URL;
      try { target = new URL(urlArg); } catch { throw new CliError(`URL must be absolute (http://host:port/path), got "${urlArg}"`, EXIT.USAGE); }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new CliError('URL must be http: or https:', EXIT.USAGE);
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a positive whole number of milliseconds, got "${opts.timeout}"`, EXIT.USAGE);
      if (opts.data !== undefined && (method === 'GET' || method === 'HEAD')) throw new CliError(`${method} takes no body (--data)`, EXIT.USAGE);
      const body = opts.data === undefined ? undefined : await readBody(opts.data);

      const { loadSigner, signRequest } = await import('../../pki/index.ts');
      let signer;
      try {
        signer = loadSigner(opts.key, opts.cert);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new CliError(`cannot use --key/--cert: ${err.code ? `${err.code} ${err.path ?? ''}`.trim() : err.message}`, EXIT.USAGE);
      }
      const url = target.href;
      const extra: Record<string, string> = { accept: 'application/json, application/problem+json, */*' };
      if (body) extra['content-type'] = opts.type ?? guessType(body);
      const headers = signRequest(signer, { method, url, headers: extra, body });

      let res: Response;
      let received: Buffer;
      try {
        res = await fetch(url, { method, headers, body: body ? new Uint8Array(body) : undefined, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        received = Buffer.from(await res.arrayBuffer());
      } catch (e) {
        throw new CliError(`cannot reach ${target.origin}: ${networkReason(e)}`, EXIT.USAGE);
      }
      const resHeaders = headerMap(res.headers);

      let verification: Verification = { verified: null, reason: 'not checked (--no-verify)' };
      if (opts.verify) {
        try {
          const candidates = await gatewayKeys(target, opts.trust, timeoutMs);
          verification = await verifyAnswer({ status: res.status, headers: resHeaders, body: received }, { method, url, headers }, candidates);
        } catch (e) {
          if (e instanceof CliError) throw e;
          verification = { verified: false, reason: `cannot fetch the gateway's certificates: ${networkReason(e)}` };
        }
      }

      const contentType = resHeaders['content-type'] ?? '';
      const text = received.toString('utf8');
      if (opts.json) {
        let parsed: unknown = text;
        if (/json/i.test(contentType)) {
          try { parsed = JSON.parse(text); } catch { /* shown as text */ }
        }
        console.log(JSON.stringify({ status: res.status, statusText: res.statusText, verification, headers: resHeaders, body: parsed }, null, 2));
      } else {
        console.log(`HTTP ${res.status} ${res.statusText}`);
        console.log(describe(verification));
        let shown = text;
        if (/json/i.test(contentType)) {
          try {
            const parsed = JSON.parse(text) as { code?: unknown; detail?: unknown };
            // A problem's detail on its own line, unescaped: it says what to fix (e.g. the @target-uri used).
            if (/problem\+json/i.test(contentType) && typeof parsed.code === 'string') console.log(`problem: ${parsed.code}: ${String(parsed.detail ?? '')}`);
            shown = JSON.stringify(parsed, null, 2);
          } catch { /* shown as received */ }
        }
        if (shown) process.stdout.write(`\n${shown}${shown.endsWith('\n') ? '' : '\n'}`);
      }
      if (res.status >= 400) process.exitCode = EXIT.FAILURE;
      else if (verification.verified === false) process.exitCode = EXIT_UNVERIFIED;
      else process.exitCode = EXIT.OK;
    });
}

/** A network failure in a few words (fetch hides the cause one level down). */
function networkReason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'no answer in time (--timeout)';
  const cause = err.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused; is the gateway running there?';
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? err.message;
}
