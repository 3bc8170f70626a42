import { basename } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
// Types only: the exchange part (and the standards it compiles) is loaded when a command runs, so `bxg --help` stays fast.
import type { DatabaseAgreementStore, StoredAgreement } from '../../exchange/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

/** Open the configured database (migrated) as an agreement store for one command. */
async function withStore<T>(fn: (store: DatabaseAgreementStore) => Promise<T>, withRegistry = false): Promise<T> {
  const { config } = loadConfig();
  // Only `apply` needs the registry (published document types); compiling it takes a moment.
  const registry = withRegistry ? (await import('../../standards/index.ts')).loadRegistry() : undefined;
  const { DatabaseAgreementStore: Store } = await import('../../exchange/index.ts');
  const { migrate, openDatabase } = await import('../../db/index.ts');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    await migrate(db);
    return await fn(new Store(db, {
      cacheMs: 0, ...(registry ? { knownDocumentType: (type: string, version: string) => !!registry.get(type, version) } : {}),
    }));
  } finally {
    await db.close();
  }
}

/** Whether an agreement applies now, in words. */
function state(a: StoredAgreement, now = Date.now()): string {
  if (!a.active) return 'inactive';
  if (a.validFrom && Date.parse(a.validFrom) > now) return `not yet valid (from ${a.validFrom})`;
  if (a.validTo && Date.parse(a.validTo) <= now) return `expired (until ${a.validTo})`;
  return a.validTo ? `active until ${a.validTo}` : 'active';
}

/** One line per agreement: partner, version, state, what it covers, where it delivers, who applied it. */
export function agreementLines(all: StoredAgreement[]): string {
  if (!all.length) return 'no agreements';
  return all.map((a) => {
    const types = new Set(a.documents.map((d) => d.documentType)).size;
    return `${a.partner}\tv${a.version}\t${state(a)}\t${types} document type(s), ${a.signature.formats.join('+')}\t${a.endpoint ?? 'no endpoint'}`
      + `\t${a.createdAt} ${a.createdBy}`;
  }).join('\n');
}

/** `bxg agreements list|show|apply`. */
export function register(program: Command): void {
  const agreements = program.command('agreements').description('exchange agreements with partners (document types, direction, authors, endpoint, signature and retry policies)');
  agreements.command('list')
    .description("every partner's current agreement")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const all = await withStore((store) => store.list());
      console.log(opts.json ? JSON.stringify(all, null, 2) : agreementLines(all));
    });
  agreements.command('show')
    .description("a partner's current agreement as JSON (edit it and `apply` it to make the next version)")
    .argument('<partner>', 'party id, e.g. VN:GDVC')
    .option('--versions', 'every version, newest first, one line each')
    .action(async (partner: string, opts: { versions?: boolean }) => {
      const versions = await withStore((store) => store.versions(partner));
      if (!versions.length) throw new CliError(`no agreement with ${partner}`, EXIT.FAILURE);
      if (opts.versions) {
        console.log(agreementLines(versions));
        return;
      }
      const { createdAt: _at, createdBy: _by, ...agreement } = versions[0]!;
      console.log(JSON.stringify(agreement, null, 2));
    });
  agreements.command('apply')
    .description('check an agreement file (JSON or YAML) against the published schema and store it as its partner\'s next version')
    .argument('<file>', 'agreement file (.json, .yaml, .yml)')
    .action(async (file: string) => {
      // Read before opening the database: a missing or malformed file costs nothing there.
      const { readAgreementFile } = await import('../../exchange/index.ts');
      const value = readAgreementFile(file);
      const r = await withStore((store) => store.apply(value, { actor: 'system', source: `bxg agreements apply ${basename(file)}` }, { source: file }), true);
      const a = r.agreement;
      console.log(r.changed
        ? `${a.partner}: agreement version ${a.version} applied: ${state(a)}`
        : `${a.partner}: unchanged (the file equals version ${a.version})`);
    });
}
