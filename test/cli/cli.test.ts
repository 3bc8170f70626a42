import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('bxg CLI basics', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: bxg/);
    expect(r.stdout).toMatch(/serve/);
    expect(r.stdout).toMatch(/db/);
  });

  it('--version prints the package version and exits 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown command is a usage error: exit 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('a bad configuration value is one clear line, exit 2, no stack trace', async () => {
    const r = await runCli(['db', 'migrate'], { env: { PORT: 'eighty' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bxg: invalid configuration: PORT must be a whole number/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  // About the file-backed embedded database: skipped in the PostgreSQL pass.
  it.skipIf(Boolean(process.env.DATABASE_URL))('db migrate applies the migrations, then reports up to date (the embedded database persists)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-cli-'));
    try {
      const first = await runCli(['db', 'migrate'], { env: { DATA_DIR: dir } });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/applied 0001_core/);
      const second = await runCli(['db', 'migrate'], { env: { DATA_DIR: dir } });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/up to date/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
