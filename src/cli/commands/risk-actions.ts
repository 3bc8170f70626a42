/**
 * What `bxg risk` and `bxg groups` do, loaded only when one of them runs (risk.ts registers them):
 * the database, the risk part and the JSON intake stay out of `bxg --help`.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadConfig } from '../../config/index.ts';
import { migrate, openDatabase, type Database } from '../../db/index.ts';
import { parseJson } from '../../json/index.ts';
import { loadIdentifierHasher, type IdentifierHasher } from '../../pki/index.ts';

import { consignmentSchema, screenConsignment, type Consignment, type ScreenResult } from '../../risk/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

export { loadIdentifierHasher };
export { listGroups, createGroup, setGroupMember } from '../../risk/index.ts';

/** Open the configured database (migrated) for one command. */
export async function withDb<T>(fn: (db: Database, config: ReturnType<typeof loadConfig>['config']) => Promise<T>): Promise<T> {
  const { config } = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    await migrate(db);
    return await fn(db, config);
  } finally {
    await db.close();
  }
}

let validate: ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | undefined;

/**
 * Read a consignment file (JSON, through the one JSON intake) and check it against the same
 * schema as POST /v1/risk/screen.
 * @throws CliError (exit 2) naming the file and the first problem.
 */
export function readConsignment(file: string): Consignment {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
  }
  let value: unknown;
  try {
    value = parseJson(bytes);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, EXIT.USAGE);
  }
  validate ??= new Ajv2020({ strict: false, allErrors: false }).compile(consignmentSchema);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new CliError(`${file}: not a consignment: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim(), EXIT.USAGE);
  }
  return value as Consignment;
}

/** The screening result as text: one line per match and reason, then the failed checks. */
export function formatScreen(r: ScreenResult): string {
  const lines = [`${r.matchCount} match(es)`];
  for (const m of r.matches) {
    lines.push(`${m.recordId} v${m.version} ${m.riskLevel} ${m.category} confidence ${m.confidence} ${m.tlp} from ${m.sourceAgency}`);
    for (const x of m.reasons) {
      lines.push(`  ${x.kind}${x.score !== undefined ? ` ${x.score}` : ''}: ${x.input} ~ ${x.subject}${x.value !== undefined ? ` (${x.value})` : ''}`);
    }
  }
  for (const c of r.checks) lines.push(`check ${c.code} at ${c.path} (${c.value}): ${c.message}`);
  return lines.join('\n');
}

/** `bxg risk screen`: screen as `party` (visibility applies) on `db`. */
export async function riskScreen(db: Database, consignment: Consignment, party: string, hasher: IdentifierHasher): Promise<ScreenResult> {
  return db.transaction((tx) => screenConsignment(tx, party, consignment, hasher));
}
