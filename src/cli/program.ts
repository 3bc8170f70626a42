import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { register as registerServe } from './commands/serve.ts';
import { register as registerDb } from './commands/db.ts';
import { register as registerValidate } from './commands/validate.ts';
import { register as registerConformance } from './commands/conformance.ts';
import { register as registerStandards } from './commands/standards.ts';
import { register as registerPki } from './commands/pki.ts';
import { register as registerSign } from './commands/sign.ts';
import { register as registerVerify } from './commands/verify.ts';
import { register as registerPartners } from './commands/partners.ts';
import { register as registerAudit } from './commands/audit.ts';
import { register as registerTokens } from './commands/tokens.ts';
import { register as registerSubscriptions } from './commands/subscriptions.ts';
import { register as registerEvidence } from './commands/evidence.ts';
import { register as registerOutbox } from './commands/outbox.ts';
import { register as registerRequest } from './commands/request.ts';
import { register as registerAgreements } from './commands/agreements.ts';
import { register as registerRisk } from './commands/risk.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Each command module exports `register(program)`; this is the whole list. A command module
 * imports only commander, node built-ins, config, errors and the CLI's own files at its top: the
 * part a command needs (standards, pki, db, http, audit) is imported inside its action, so
 * `bxg --help` and every other command load only what they use
 * (test/cli/startup.test.ts checks the static import graph).
 */
const commands: Array<(program: Command) => void> = [
  registerServe,
  registerDb,
  registerValidate,
  registerConformance,
  registerStandards,
  registerPki,
  registerSign,
  registerVerify,
  registerPartners,
  registerAudit,
  registerTokens,
  registerSubscriptions,
  registerEvidence,
  registerOutbox,
  registerRequest,
  registerAgreements,
  registerRisk,
];

/** Build the `bxg` command tree. Commander errors are thrown, not `process.exit`ed. */
export function buildProgram(): Command {
  const program = new Command('bxg')
    .description('Border Exchange Gateway: standards, signed exchange, shared border-risk data, audit')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    // Program options are read only before the subcommand, so `-V/--version` cannot swallow
    // `validate --version 1.0.0`; `bxg --version` still works.
    .enablePositionalOptions()
    .exitOverride();
  for (const register of commands) register(program);
  // Subcommands inherit exitOverride so usage errors surface as exit code 2, not process.exit.
  const override = (cmd: Command) => { cmd.exitOverride(); cmd.commands.forEach(override); };
  override(program);
  return program;
}
