import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo.ts';
import { testDevPki, testRegistry } from '../support/app.ts';
import { freePort } from '../support/cli.ts';

/*
 * `npm run demo`'s scenario on free ports and temporary embedded databases: two real gateways
 * exchange documents both ways through their outboxes; every step is checked.
 */

const dir = mkdtempSync(join(tmpdir(), 'bxg-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('KR:KCS and VN:GDVC send documents both ways: every receipt verified, every archive holds the bytes sent', { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const pki = await testDevPki();
    const steps = await runDemo({
      ports: { kr: await freePort(), vn: await freePort() }, dataDir: join(dir, 'data'), certsDir: pki.dir,
      registry: testRegistry(), print: (l) => lines.push(l),
    });
    expect(steps.map((s) => [s.from, s.to, s.documentType, s.format])).toEqual([
      ['KR:KCS', 'VN:GDVC', 'eco.certificate', 'xml'],
      ['KR:KCS', 'VN:GDVC', 'eco.status', 'json'],
      ['VN:GDVC', 'KR:KCS', 'eco.status', 'json'],
    ]);
    for (const s of steps) {
      expect(s).toMatchObject({ receiptVerified: true, archivedSame: true });
      expect(Buffer.from(s.receiptDigest, 'base64').toString('hex')).toBe(s.sentSha256);
    }
    const transcript = lines.join('\n');
    expect(transcript).toContain('3 messages, 3 receipts verified.');
    expect(transcript).not.toContain('FAILED');
    expect(transcript).toMatch(/KR:KCS +agreement with VN:GDVC: version \d+, endpoint http:\/\/127\.0\.0\.1:\d+/);
  });
});
