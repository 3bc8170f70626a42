import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatScreen, readConsignment, riskScreen } from '../../src/cli/commands/risk-actions.ts';
import { loadIdentifierHasher } from '../../src/pki/index.ts';
import { applyRiskRecord } from '../../src/risk/index.ts';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { record } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'bxg-risk-cli-'));
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.query("INSERT INTO trust_parties (id, name, kind) VALUES ('KR:NPA', 'Police', 'domestic-agency')");
});
afterAll(async () => t?.cleanup());

describe('bxg risk screen', () => {
  it('screens a consignment file as a party: matches with why, and failed check digits', async () => {
    const doc = record('KR:MFDS', { subjects: [{ kind: 'CONTAINER', containerNumber: 'CSQU3054383' }] });
    await t.db.transaction((tx) => applyRiskRecord(tx, doc, { party: 'KR:MFDS', format: 'json' }));
    const file = join(dir, 'consignment.json');
    writeFileSync(file, JSON.stringify({ containers: ['CSQU 3054383', 'CSQU3054384'] }));
    const hasher = loadIdentifierHasher({ certsDir: dir });
    const text = formatScreen(await riskScreen(t.db, readConsignment(file), 'KR:NPA', hasher));
    expect(text).toContain('1 match(es)');
    expect(text).toContain(`${doc.recordId} v1 HIGH NARCOTICS confidence 70 GREEN from KR:MFDS`);
    expect(text).toContain('normalised-identifier: /containers/0 ~ /subjects/0/containerNumber (CSQU3054383)');
    expect(text).toContain('check container.check-digit at /containers/1 (CSQU3054384)');
    // An unknown party sees nothing.
    expect(formatScreen(await riskScreen(t.db, readConsignment(file), 'XX:NOBODY', hasher))).toMatch(/^0 match\(es\)/);
  });

  it('is a real command: exit 0 with the answer, exit 2 for a file that is not a consignment', async () => {
    const env = { DATA_DIR: join(dir, 'db'), DATABASE_URL: '', CERTS_DIR: join(dir, 'certs') };
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ conveyance: { imoNumber: 'IMO9074728' } }));
    const ok = await runCli(['risk', 'screen', file], { env, timeoutMs: 120_000 });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('0 match(es)');
    expect(ok.stdout).toContain('check imo.check-digit at /conveyance/imoNumber (IMO9074728): IMO check digit is 8, expected 9: not matched');
    writeFileSync(file, JSON.stringify({ containers: 'CSQU3054383' }));
    const bad = await runCli(['risk', 'screen', file], { env, timeoutMs: 120_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a consignment: /containers');
    const g = await runCli(['groups', 'create', 'TF-9', '--name', 'Task force', '--member', 'KR:NPA'], { env, timeoutMs: 120_000 });
    expect(g.stdout).toContain('TF-9: created with 1 member(s)');
    const l = await runCli(['groups', 'list'], { env, timeoutMs: 120_000 });
    expect(l.stdout).toContain('TF-9\tTask force\tKR:NPA');
  }, 300_000);
});
