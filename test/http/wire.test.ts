import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.ts';

/** One HTTP/1.1 answer read off a raw socket. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: raw.slice(end + 4, end + 4 + length) };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Write `bytes` on a new connection and read until the server closes it. */
async function exchange(port: number, bytes: string): Promise<{ answer: RawAnswer; raw: string }> {
  const s = await open(port);
  let raw = '';
  s.on('data', (d: Buffer) => { raw += d.toString('latin1'); });
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  s.on('error', () => { /* a reset after the answer is fine */ });
  s.write(bytes);
  await closed;
  return { answer: parseAnswer(raw), raw };
}

/** Read one complete answer (headers + Content-Length body) from a socket that stays open. */
function nextAnswer(s: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const onData = (d: Buffer) => {
      raw += d.toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      const a = parseAnswer(raw);
      if (raw.length - end - 4 >= Number(a.headers['content-length'] ?? 0)) {
        s.off('data', onData);
        resolve(a);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

function expectProblem(a: RawAnswer, status: number, code: string): void {
  expect(a.status, a.body).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(a.body)).toMatchObject({ status, code, type: expect.stringMatching(/^https:\/\//) });
}

describe('what the HTTP parser refuses is answered as problem+json (a real socket)', () => {
  let h: TestServer;
  beforeAll(async () => { h = await startTestServer(); });
  afterAll(async () => { await h.close(); });

  it('a 100 KB header → 431 BXG_HEADERS_TOO_LARGE', async () => {
    const { answer } = await exchange(h.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
    expectProblem(answer, 431, 'BXG_HEADERS_TOO_LARGE');
    expect(answer.headers.connection).toBe('close');
  });

  it('an obs-folded header line → 400 BXG_INVALID_REQUEST', async () => {
    const { answer } = await exchange(h.port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n');
    expectProblem(answer, 400, 'BXG_INVALID_REQUEST');
    expect(JSON.parse(answer.body).detail).toMatch(/malformed \(HPE_[A-Z_]+\)/);
  });

  it('a space before the colon → 400 BXG_INVALID_REQUEST', async () => {
    const { answer } = await exchange(h.port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-A : one\r\n\r\n');
    expectProblem(answer, 400, 'BXG_INVALID_REQUEST');
  });

  it('a request timeout reported by the server → 408 BXG_REQUEST_TIMEOUT', async () => {
    const serverSide = new Promise<Socket>((resolve) => h.server.app.server.once('connection', resolve));
    const s = await open(h.port);
    let raw = '';
    s.on('data', (d: Buffer) => { raw += d.toString('latin1'); });
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // What Node's http server emits when headersTimeout / requestTimeout expire.
    h.server.app.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), await serverSide);
    await closed;
    expectProblem(parseAnswer(raw), 408, 'BXG_REQUEST_TIMEOUT');
  });

  it('a well-formed request on the same server still works', async () => {
    const r = await fetch(`${h.server.url}/health`);
    expect(r.status).toBe(200);
  });
});

describe('graceful shutdown under keep-alive (a real keep-alive agent)', () => {
  const example = readFileSync(new URL('../../standards/eco.certificate/1.0.0/examples/minimal.json', import.meta.url));

  it('drains the request in flight, closes idle pooled connections at once, answers late requests with problem+json, and stops well before the timeout', async () => {
    const h = await startTestServer({ shutdownTimeoutMs: 10_000 });
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      // 1. An idle pooled keep-alive connection.
      const idle = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const [first, idleSocket] = await new Promise<[http.IncomingMessage, Socket]>((resolve, reject) => {
        http.get(`${h.server.url}/health`, { agent: idle }, (res) => {
          const socket = res.socket as Socket;
          res.resume();
          res.on('end', () => resolve([res, socket]));
        }).on('error', reject);
      });
      expect(first.headers.connection).toBe('keep-alive');
      const idleClosed = new Promise<void>((resolve) => idleSocket.once('close', () => resolve()));

      // 2. A request in flight on the keep-alive agent: its body is still arriving.
      let drained!: http.IncomingMessage;
      let drainedBody = '';
      const inFlight = new Promise<void>((resolve, reject) => {
        const req = http.request(`${h.server.url}/v1/validate`, {
          method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(example.length) },
        }, (res) => {
          drained = res;
          res.on('data', (d: Buffer) => { drainedBody += d.toString(); });
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.write(example.subarray(0, 10));
        // The rest arrives after the shutdown has begun.
        setTimeout(() => req.end(example.subarray(10)), 400);
      });

      // 3. A raw connection whose request has begun (not idle) but whose headers end after the shutdown began.
      const late = await open(h.port);
      late.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      const lateAnswer = nextAnswer(late);
      await new Promise((r) => setTimeout(r, 100));

      const started = Date.now();
      const stopped = h.server.stop().then(() => Date.now() - started);
      await new Promise((r) => setTimeout(r, 100));
      late.write('\r\n');

      // The idle connection is closed at once.
      await idleClosed;
      expect(Date.now() - started).toBeLessThan(1000);
      // The late request: 503 problem+json with Connection: close.
      const answer = await lateAnswer;
      expectProblem(answer, 503, 'BXG_NOT_READY');
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body).detail).toMatch(/shutting down/);
      // The drained request completes, and its connection is not kept.
      await inFlight;
      expect(drained.statusCode, drainedBody).toBe(200);
      expect(JSON.parse(drainedBody)).toMatchObject({ valid: true });
      expect(drained.headers.connection).toBe('close');
      // The next request on that agent finds no connection to reuse and no listener.
      const next = await new Promise<string>((resolve) => {
        http.get(`${h.server.url}/health`, { agent }, (res) => { res.resume(); resolve(`status ${res.statusCode}`); })
          .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(next).toMatch(/ECONNREFUSED|ECONNRESET/);
      // Stopped as soon as the work was done, not after SHUTDOWN_TIMEOUT_MS (10 s).
      expect(await stopped).toBeLessThan(3000);
      agent.destroy();
      idle.destroy();
    } finally {
      await h.close();
    }
  });
});
