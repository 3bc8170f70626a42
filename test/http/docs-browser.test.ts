import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.ts';
import { openApiShortcomings, operations, type OpenApiDoc } from '../support/openapi-walk.ts';
import { CHROMIUM, peerNote, requirePeer } from '../support/peer.ts';

/** The DOM of `url` after headless chromium ran its scripts (one browser start: cheap). */
function renderedDom(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const profile = mkdtempSync(join(tmpdir(), 'bxg-chromium-'));
    const child = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', `--user-data-dir=${profile}`,
      '--virtual-time-budget=20000', '--dump-dom', url,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && out) resolve(out);
      else reject(new Error(`${CHROMIUM} exited ${code}`));
    });
  });
}

const available = requirePeer('chromium');

describe.skipIf(!available)(`/docs in a headless browser${peerNote('chromium')}`, { timeout: 180_000 }, () => {
  let h: TestServer;
  let doc: OpenApiDoc;
  let dom: string;
  beforeAll(async () => {
    h = await startTestServer();
    const base = h.config.publicUrl;
    doc = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApiDoc;
    dom = await renderedDom(`${base}/docs/`);
  }, 180_000);
  afterAll(async () => h?.close());

  it('Swagger UI renders the description without an error and lists every operation', () => {
    expect(dom).toContain('Border Exchange Gateway');
    expect(dom).not.toMatch(/Failed to load API definition|Errors<\/h4>|Parser error/i);
    const missing = operations(doc).filter(({ path, method }) => !new RegExp(`opblock-${method}\\b[\\s\\S]{0,2000}?data-path="${path.replace(/[{}.*]/g, '\\$&')}"`).test(dom));
    expect(missing.map((o) => o.id), 'operations the rendered page does not show').toEqual([]);
  });

  it('the document the page shows has, for every route, its error responses and an example', () => {
    expect(openApiShortcomings(doc)).toEqual([]);
  });
});
