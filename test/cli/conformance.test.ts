import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

/** A stand-in "partner system": answers the API's shape, but reports every document invalid at line 3. */
function fakeTarget(opts: { bxg: boolean }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    req.resume();
    req.on('end', () => {
      if (!opts.bxg) return json(404, { message: 'this is some other web service' });
      if (req.url === '/v1/standards') return json(200, { types: [{ type: 'eco.status', version: '1.0.0', status: 'published' }] });
      if (req.url === '/openapi.json') return json(200, { openapi: '3.1.0', info: { title: 'Partner gateway', version: '9.9.9' }, paths: {} });
      if (req.method === 'POST' && req.url?.startsWith('/v1/validate')) {
        return json(200, { valid: false, documentType: 'eco.status', version: '1.0.0', format: 'xml', errors: [{ code: 'schema.other', message: 'made-up complaint', path: '/Status', line: 3 }] });
      }
      return json(404, {});
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

let dir: string;
let partner: { server: Server; url: string };
let other: { server: Server; url: string };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bxg-conformance-'));
  [partner, other] = await Promise.all([fakeTarget({ bxg: true }), fakeTarget({ bxg: false })]);
});
afterAll(() => { partner?.server.close(); other?.server.close(); });

describe('bxg conformance --target: an auditor\'s run against a partner system', { timeout: 120_000 }, () => {
  it('a target that is not a BXG API: one line, exit 2, nothing run', async () => {
    const r = await runCli(['conformance', '--target', other.url, '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`bxg: ${other.url} does not speak the BXG API: GET /v1/standards answered 404; no vector was run\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('--only one type: the target version and standards list in every report; HTML with expected vs actual and the lines around the error', async () => {
    const out = join(dir, 'p');
    const r = await runCli(['conformance', '--only', 'eco.status@1.0.0', '--target', partner.url, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`target ${partner.url}: version 9.9.9, 1 standard(s) published`);
    expect(r.stdout).toMatch(/^\d+ vectors: 0 passed, \d+ failed/m);
    expect(r.stdout).toContain(`reports: ${join(out, 'junit.xml')}, ${join(out, 'summary.md')}, ${join(out, 'report.html')}`);

    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('Target version: 9.9.9. Standards it publishes: eco.status@1.0.0 (published).');
    expect(md).not.toContain('eco.certificate');
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('<property name="target.version" value="9.9.9"/>');

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http/); // self-contained
    expect(html).toContain('<dt>Reported version</dt><dd>9.9.9</dd>');
    // A valid vector: expected valid, the target said invalid, and line 3 of the document is shown, marked.
    expect(html).toMatch(/<td>valid<\/td><td>invalid: schema\.other<\/td>/);
    expect(html).toMatch(/<span class="hit">\s+3 ▶ /);
  });

  it('--only with an unknown type is a usage error', async () => {
    const r = await runCli(['conformance', '--only', 'eco.nothing', '--out', join(dir, 'u')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--only: unknown document type "eco.nothing"');
  });
});
