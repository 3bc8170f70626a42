import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { migrate, openDatabase, type Database } from '../../db/index.ts';
import { parseJson } from '../../json/index.ts';
import { loadIdentifierHasher, type IdentifierHasher } from '../../pki/index.ts';
import { consignmentSchema, createGroup, listGroups, screenConsignment, setGroupMember, type Consignment, type ScreenResult } from '../../risk/index.ts';

import { CliError, EXIT } from '../cli-error.ts';

/** Open the configured database (migrated) for one command. */
async function withDb<T>(fn: (db: Database, config: ReturnType<typeof loadConfig>['config']) => Promise<T>): Promise<T> {
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

/** `bxg risk screen` and `bxg groups list|create|add|remove`. */
export function register(program: Command): void {
  const risk = program.command('risk').description('the shared border-risk database');
  risk.command('screen')
    .description('screen a consignment (JSON file, the body of POST /v1/risk/screen) as a party: matches with why, failed check digits')
    .argument('<file>', 'consignment JSON')
    .option('--as <CC:AGENCY>', "the party whose view is screened (default: this gateway's PARTY_ID)")
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { as?: string; json?: boolean }) => {
      const consignment = readConsignment(file);
      const out = await withDb(async (db, config) => {
        const hasher = loadIdentifierHasher({ certsDir: config.certsDir });
        return riskScreen(db, consignment, opts.as ?? config.partyId, hasher);
      });
      console.log(opts.json ? JSON.stringify(out, null, 2) : formatScreen(out));
    });

  const groups = program.command('groups').description('sharing groups of the risk database');
  groups.command('list').description('list sharing groups and their members').option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const gs = await withDb((db) => listGroups(db));
      console.log(opts.json ? JSON.stringify(gs, null, 2) : gs.length ? gs.map((g) => `${g.id}\t${g.name}\t${g.members.join(',')}`).join('\n') : 'no sharing groups');
    });
  groups.command('create').description('create a sharing group')
    .argument('<id>', 'group id').requiredOption('--name <name>', 'display name')
    .option('--member <CC:AGENCY>', 'a member (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (id: string, opts: { name: string; member?: string[] }) => {
      const g = await withDb((db) => createGroup(db, { id, name: opts.name, members: opts.member }, 'system'));
      console.log(`${g.id}: created with ${g.members.length} member(s)`);
    });
  for (const [name, member] of [['add', true], ['remove', false]] as const) {
    groups.command(name).description(`${name} a member`).argument('<id>', 'group id').argument('<party>', 'CC:AGENCY')
      .action(async (id: string, party: string) => {
        const g = await withDb((db) => setGroupMember(db, id, party, member, 'system'));
        console.log(`${g.id}: ${g.members.join(', ') || 'no members'}`);
      });
  }
}
