import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli } from '../support/cli.ts';
import Fastify from 'fastify';
import { DEFAULT_STANDARDS_DIR, loadRegistry } from '../../src/standards/index.ts';
import { standardsRoutes } from '../../src/standards/routes.ts';

const dir = mkdtempSync(join(tmpdir(), 'bxg-cli-std-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const eco = join(DEFAULT_STANDARDS_DIR, 'eco.certificate', '1.0.0');
const valid = join(eco, 'examples', 'full.xml');
const validJson = join(eco, 'examples', 'full.json');
const sameCountries = join(eco, 'conformance', '027-same-countries.json');

// Each run starts a Node process that loads and compiles every schema: give it time on a busy machine.
describe('bxg validate', { timeout: 120_000 }, () => {
  it('exit 0 and a one-line verdict for a valid file', async () => {
    const r = await runCli(['validate', valid]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ .*full\.xml: eco\.certificate 1\.0\.0 \(xml\) valid/);
    expect(r.stderr).toBe('');
  });

  it('exit 1 with each located error for an invalid file; many files at once', async () => {
    const r = await runCli(['validate', valid, validJson, sameCountries]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('rule ECO-R003');
    expect(r.stdout).toContain('/importingCountry');
    expect(r.stdout).toContain('3 files: 2 valid, 1 invalid');
    expect(r.stderr).toBe(''); // no progress line when stderr is not a terminal
  });

  it('--json prints the report', async () => {
    const r = await runCli(['validate', '--json', sameCountries]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; errors: Array<{ rule: string }> };
    expect(report.valid).toBe(false);
    expect(report.errors[0]!.rule).toBe('ECO-R003');
  });

  it('--type/--version are checked against the document', async () => {
    const r = await runCli(['validate', '--type', 'eco.status', '--version', '1.0.0', '--json', valid]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('document.namespace');
  });

  it('exit 2 for a missing file, an unknown type, or no file', async () => {
    const runs = await Promise.all([
      runCli(['validate', join(dir, 'nope.xml')]), runCli(['validate', '--type', 'eco.nothing', valid]), runCli(['validate']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]!.stderr).toContain('cannot read');
    expect(runs[1]!.stderr).toContain('unknown document type "eco.nothing"');
  });

  it('a file that cannot be validated (DOCTYPE) counts as invalid, with the reason', async () => {
    const f = join(dir, 'doctype.xml');
    writeFileSync(f, '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>');
    const r = await runCli(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BXG_XML_FORBIDDEN');
  });
});

describe('bxg conformance and bxg standards check', { timeout: 120_000 }, () => {
  it('runs every vector in-process and writes JUnit XML and a Markdown summary', async () => {
    const out = join(dir, 'conf');
    const r = await runCli(['conformance', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/(\d+) vectors: \1 passed, 0 failed \(in-process\)/);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="bxg-conformance" tests="\d+" failures="0"/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| eco.certificate | 1.0.0 |');
  });

  it('--type limits the run; an unknown type is a usage error', async () => {
    const r = await runCli(['conformance', '--type', 'eco.status', '--out', join(dir, 'c2')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'c2', 'junit.xml'), 'utf8')).not.toContain('eco.certificate');
    expect((await runCli(['conformance', '--type', 'eco.nothing', '--out', join(dir, 'c3')])).code).toBe(2);
    expect(existsSync(join(dir, 'c3'))).toBe(false);
  });

  it('--target POSTs every vector to a running gateway and judges its reports', async () => {
    const app = Fastify({ logger: false });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(['application/json', 'application/xml', 'text/xml'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    await app.register(standardsRoutes, { registry: loadRegistry() });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const r = await runCli(['conformance', '--type', 'eco.status', '--target', url, '--out', join(dir, 'c5')]);
      expect(r.stdout).toMatch(new RegExp(`(\\d+) vectors: \\1 passed, 0 failed \\(${url.replace(/[.]/g, '\\.')}\\)`));
      expect(r.code).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('--target that does not answer: one line, exit 2, no vector run and no report (test/cli/conformance.test.ts has more)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await runCli(['conformance', '--type', 'eco.status', '--target', url, '--out', join(dir, 'c4')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`bxg: cannot reach ${url}: connection refused; no vector was run\n`);
    expect(existsSync(join(dir, 'c4'))).toBe(false);
  });

  it('standards check passes on the tree', async () => {
    const r = await runCli(['standards', 'check']);
    expect(r.stdout).toMatch(/standards tree OK: \d+ document type versions, \d+ conformance vectors/);
    expect(r.code).toBe(0);
  });
});
