import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allExamples, allVectors, bytes, registry, schemaOnlyFailure } from './support.ts';
import { peerNote, PYTHON as PY, requirePeer } from '../support/peer.ts';

/*
 * A real peer: Python's jsonschema (Debian python3-jsonschema, Draft202012Validator, the common
 * schema resolved from a local store) must give the same verdict as the gateway's Ajv on every
 * JSON example and every JSON vector that is valid or fails by schema only.
 * /usr/bin/python3 on purpose (test/support/peer.ts): the system Python carries the Debian package.
 */

const hasPeer = requirePeer('jsonschema');
const SCRIPT = fileURLToPath(new URL('./interop-jsonschema.py', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.schema.json') ? [join(dir, n)] : []));
}

const cases = [
  ...allExamples().filter(([, , x]) => x.format === 'json').map(([label, e, x]) => [`example ${label}`, e.type, e.version, x.path] as const),
  ...allVectors().filter(([, , v]) => v.file.endsWith('.json') && (v.valid || schemaOnlyFailure(v))).map(([label, e, , p]) => [`vector ${label}`, e.type, e.version, p] as const),
];

function peer(): Map<string, { valid: boolean; errors: string[] }> {
  const input = {
    schemas: walk(registry().schemasDir),
    byType: Object.fromEntries(registry().list().map((e) => [`${e.type}@${e.version}`, e.schemaId])),
    files: cases.map((c) => c[3]),
  };
  const r = spawnSync(PY, [SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python jsonschema failed: ${r.stderr}`);
  return new Map((JSON.parse(r.stdout) as Array<{ file: string; valid: boolean; errors: string[] }>).map((x) => [x.file, x]));
}

describe.skipIf(!hasPeer)(`interop: Python jsonschema agrees with the gateway${peerNote('jsonschema')}`, () => {
  const verdicts = hasPeer ? peer() : new Map();

  it('has cases of both verdicts', () => {
    expect(cases.length).toBeGreaterThan(20);
    expect([...verdicts.values()].some((v) => v.valid)).toBe(true);
    expect([...verdicts.values()].some((v) => !v.valid)).toBe(true);
  });

  it.each(cases)('%s', (_label, type, version, path) => {
    const ours = registry().validate({ body: bytes(path), type, version });
    const oursSchemaValid = !ours.errors.some((e) => e.code.startsWith('schema.'));
    const theirs = verdicts.get(path)!;
    expect(theirs.valid, `python: ${theirs.errors.join('; ')} | ours: ${JSON.stringify(ours.errors.slice(0, 3))}`).toBe(oursSchemaValid);
  });
});
