import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const valid = 'standards/eco.certificate/1.0.0/examples/full.xml';
const invalid = 'standards/eco.certificate/1.0.0/conformance/027-same-countries.json';

describe('bxg validate: files it could not read are counted apart from invalid ones', { timeout: 60_000 }, () => {
  it('validates the others, names each unreadable file on stderr, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-validate-'));
    const missing = join(dir, 'missing.xml');
    const directory = join(dir, 'a-directory.xml');
    mkdirSync(directory);
    const r = await runCli(['validate', valid, invalid, missing, directory]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`✓ ${valid}`);
    expect(r.stdout).toContain(`✗ ${invalid}`);
    expect(r.stdout).toContain('4 files: 1 valid, 1 invalid, 2 unreadable');
    expect(r.stderr).toMatch(new RegExp(`^bxg: cannot read ${missing}: ENOENT`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^bxg: cannot read ${directory}: EISDIR`, 'm'));
  });

  it('--json marks them as unreadable', async () => {
    const r = await runCli(['validate', '--json', valid, join(tmpdir(), 'bxg-no-such-file.json')]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as Array<{ file: string; valid?: boolean; unreadable?: string }>;
    expect(out[0]!.valid).toBe(true);
    expect(out[1]!.unreadable).toMatch(/^ENOENT/);
  });
});
