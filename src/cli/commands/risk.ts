import type { Command } from 'commander';

/** `bxg risk screen` and `bxg groups list|create|add|remove`. */
export function register(program: Command): void {
  const risk = program.command('risk').description('the shared border-risk database');
  risk.command('screen')
    .description('screen a consignment (JSON file, the body of POST /v1/risk/screen) as a party: matches with why, failed check digits')
    .argument('<file>', 'consignment JSON')
    .option('--as <CC:AGENCY>', "the party whose view is screened (default: this gateway's PARTY_ID)")
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { as?: string; json?: boolean }) => {
      const { readConsignment, withDb, riskScreen, formatScreen, loadIdentifierHasher } = await import('./risk-actions.ts');
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
      const { withDb, listGroups } = await import('./risk-actions.ts');
      const gs = await withDb((db) => listGroups(db));
      console.log(opts.json ? JSON.stringify(gs, null, 2) : gs.length ? gs.map((g) => `${g.id}\t${g.name}\t${g.members.join(',')}`).join('\n') : 'no sharing groups');
    });
  groups.command('create').description('create a sharing group')
    .argument('<id>', 'group id').requiredOption('--name <name>', 'display name')
    .option('--member <CC:AGENCY>', 'a member (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (id: string, opts: { name: string; member?: string[] }) => {
      const { withDb, createGroup } = await import('./risk-actions.ts');
      const g = await withDb((db) => createGroup(db, { id, name: opts.name, members: opts.member }, 'system'));
      console.log(`${g.id}: created with ${g.members.length} member(s)`);
    });
  for (const [name, member] of [['add', true], ['remove', false]] as const) {
    groups.command(name).description(`${name} a member`).argument('<id>', 'group id').argument('<party>', 'CC:AGENCY')
      .action(async (id: string, party: string) => {
        const { withDb, setGroupMember } = await import('./risk-actions.ts');
        const g = await withDb((db) => setGroupMember(db, id, party, member, 'system'));
        console.log(`${g.id}: ${g.members.join(', ') || 'no members'}`);
      });
  }
}
