import type { Command } from 'commander';
import { EXIT } from '../cli-error.ts';

/** `bxg standards check` (lint the standards tree; exit 1 with the list of problems) and `bxg standards list`. */
export function register(program: Command): void {
  const standards = program.command('standards').description('the published document standards');
  standards
    .command('check')
    .description('lint schemas/ and standards/: both schemas, descriptor, examples valid and mapping both ways, vectors as expected')
    .action(async () => {
      const { checkStandards, loadVectors } = await import('../../standards/index.ts');
      const { problems, registry } = checkStandards();
      if (problems.length) {
        for (const p of problems) console.log(`✗ ${p}`);
        console.log(`\n${problems.length} problem${problems.length === 1 ? '' : 's'}`);
        process.exitCode = EXIT.FAILURE;
        return;
      }
      const types = registry!.list();
      const vectors = types.reduce((n, e) => n + loadVectors(e).length, 0);
      console.log(`standards tree OK: ${types.length} document type versions, ${vectors} conformance vectors`);
      process.exitCode = EXIT.OK;
    });
  standards
    .command('list')
    .description('list the document types and versions')
    .action(async () => {
      const { loadRegistry } = await import('../../standards/index.ts');
      for (const e of loadRegistry().list()) console.log(`${e.type.padEnd(28)} ${e.version.padEnd(8)} ${e.descriptor.status.padEnd(10)} ${e.namespace}`);
    });
}
