import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';

/** `bxg db migrate`: apply pending migrations to the configured database and exit. */
export function register(program: Command): void {
  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending migrations (start-up does this too)')
    .action(async () => {
      const { config } = loadConfig();
      const { migrate, openDatabase } = await import('../../db/index.ts');
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
      try {
        const report = await migrate(database);
        const where = config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`;
        if (report.applied.length === 0) console.log(`${where}: up to date (${report.alreadyApplied} migrations applied)`);
        for (const m of report.applied) console.log(`applied ${String(m.version).padStart(4, '0')}_${m.name}`);
      } finally {
        await database.close();
      }
    });
}
