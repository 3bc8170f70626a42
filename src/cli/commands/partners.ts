import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import type { PartyKind, TrustStore } from '../../pki/index.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { pkiCommand } from './pki.ts';

/** Open the configured database (migrated) as a trust store for one command. */
async function withTrust<T>(fn: (trust: TrustStore) => Promise<T>): Promise<T> {
  const { config } = loadConfig();
  // Loaded on use: `bxg --help` and the other commands never load the database or the PKI.
  const { migrate, openDatabase } = await import('../../db/index.ts');
  const { TrustStore } = await import('../../pki/index.ts');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    await migrate(db);
    return await fn(new TrustStore(db));
  } finally {
    await db.close();
  }
}

/** Options of `bxg partners add`. */
export interface PartnersAddOptions {
  id: string;
  name: string;
  kind: string;
  contact?: string;
  role?: string[];
  cert?: string;
  p12?: string;
  /** The PKCS#12 password, already read (from BXG_P12_PASSWORD or --password-file: never argv). */
  password?: string;
  ca?: string[];
}

/** Environment variable that carries the PKCS#12 password to `bxg partners add --p12`. */
export const P12_PASSWORD_ENV = 'BXG_P12_PASSWORD';

/**
 * The PKCS#12 password from `--password-file FILE` (its first line) or else the environment
 * variable BXG_P12_PASSWORD (set, even to an empty string). Never from argv: other local users
 * see a process's arguments (`ps`), and shells keep them in their history.
 * @throws CliError (usage) when neither is given.
 */
export function p12Password(opts: { passwordFile?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.passwordFile, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read the password file ${opts.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
    }
    return text.split(/\r?\n/, 1)[0]!;
  }
  const fromEnv = env[P12_PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  throw missingPassword();
}

function missingPassword(): CliError {
  return new CliError(`--p12 needs the bundle's password: set ${P12_PASSWORD_ENV} or pass --password-file FILE (never on the command line)`, EXIT.USAGE);
}

/** The certificate (with chain) to register, from `--cert FILE.pem` or `--p12 FILE.p12`. */
export async function readCertificateInput(opts: Pick<PartnersAddOptions, 'cert' | 'p12' | 'password'>): Promise<string> {
  if (!!opts.cert === !!opts.p12) throw new CliError('give exactly one of --cert FILE.pem and --p12 FILE.p12', EXIT.USAGE);
  if (opts.cert) return readFileSync(opts.cert, 'latin1');
  if (opts.password === undefined) throw missingPassword();
  const { certificatesFromPkcs12, toPem } = await import('../../pki/index.ts');
  let bundle;
  try {
    bundle = certificatesFromPkcs12(readFileSync(opts.p12!), opts.password);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e;
    throw new CliError(`cannot read ${opts.p12}: ${(e as Error).message} (wrong password?)`);
  }
  // The bundle's private key is not used: only certificates enter the trust store.
  return [bundle.leaf, ...bundle.chain].map((d) => toPem(d)).join('');
}

/**
 * `bxg partners add`: register a party and its certificate.
 * @param certificate the certificate input already read (default: read from `opts` now).
 */
export async function partnersAdd(trust: TrustStore, opts: PartnersAddOptions, certificate?: string): Promise<string> {
  const { PARTY_KINDS } = await import('../../pki/index.ts');
  if (!PARTY_KINDS.includes(opts.kind as PartyKind)) throw new CliError(`--kind must be one of ${PARTY_KINDS.join(', ')}`, EXIT.USAGE);
  certificate ??= await readCertificateInput(opts);
  const caCertificates = (opts.ca ?? []).map((f) => readFileSync(f, 'latin1'));
  const existing = await trust.getParty(opts.id);
  if (existing) {
    // A known party: this adds a certificate (rotation) — name and kind must not silently change.
    const cert = await trust.addCertificate(opts.id, certificate);
    return `${opts.id}: added certificate ${cert.keyId} (${cert.subject}, valid until ${cert.notAfter.toISOString()})`;
  }
  const party = await trust.registerParty({
    id: opts.id, name: opts.name, kind: opts.kind as PartyKind, contact: opts.contact, roles: opts.role ?? [],
    certificates: [certificate], caCertificates,
  });
  const c = party.certificates[0]!;
  return `${party.id}: registered (${party.kind}) with certificate ${c.keyId} (${c.subject}, valid until ${c.notAfter.toISOString()})`;
}

/** `bxg partners list`: one line per party, or JSON. */
export async function partnersList(trust: TrustStore, json = false): Promise<string> {
  const parties = await trust.listParties();
  const details = await Promise.all(parties.map((p) => trust.getParty(p.id)));
  if (json) return JSON.stringify(details, null, 2);
  if (!details.length) return 'no parties registered';
  return details.map((p) => {
    const active = p!.certificates.filter((c) => c.status === 'active' && c.notAfter > new Date());
    const roles = p!.roles.length ? ` [${p!.roles.join(',')}]` : '';
    const certs = p!.certificates.map((c) => `\n    ${c.keyId} ${c.status} ${c.keyType}-${c.keyBits} until ${c.notAfter.toISOString()} ${c.subject}`).join('');
    return `${p!.id}\t${p!.kind}\t${p!.name}${roles}\t${active.length} active certificate(s)${certs}`;
  }).join('\n');
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `bxg partners add|list|revoke` and `bxg pki crl import`. */
export function register(program: Command): void {
  const partners = program.command('partners').description('parties (partner customs, domestic agencies) in the trust store');
  partners.command('add')
    .description('register a party with its certificate (or add a certificate to a registered party)')
    .requiredOption('--id <CC:AGENCY>', 'party id, e.g. VN:GDVC')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--kind <kind>', 'partner-customs | domestic-agency | gateway')
    .option('--contact <text>', 'contact (mail, phone)')
    .option('--role <role>', 'role, e.g. admin (repeatable)', collect)
    .option('--cert <file>', 'certificate PEM (may be followed by its intermediates)')
    .option('--p12 <file>', 'PKCS#12 bundle: its certificates are read, its key is ignored')
    .option('--password-file <file>', `file whose first line is the PKCS#12 password (else the environment variable ${P12_PASSWORD_ENV})`)
    // Accepted only to refuse it with a reason, before anything reads the bundle.
    .addOption(new Option('--password <password>').hideHelp())
    .option('--ca <file>', "the party's own CA certificate, trusted for this party only (repeatable)", collect)
    .action(async (opts: Omit<PartnersAddOptions, 'password'> & { passwordFile?: string; password?: unknown }) => {
      if (opts.password !== undefined) {
        throw new CliError(`--password is not accepted (a command line is visible to other users and kept in shell history): set ${P12_PASSWORD_ENV} or pass --password-file FILE`, EXIT.USAGE);
      }
      const { passwordFile, password: _argv, ...rest } = opts;
      const password = rest.p12 ? p12Password({ passwordFile }) : undefined;
      // Read (and decrypt) the input before opening the database: a bad file or password costs nothing there.
      const certificate = await readCertificateInput({ ...rest, password });
      console.log(await withTrust((trust) => partnersAdd(trust, rest, certificate)));
    });
  partners.command('list')
    .description('list parties and their certificates')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      console.log(await withTrust((trust) => partnersList(trust, opts.json)));
    });
  partners.command('revoke')
    .description('revoke a registered certificate now, by key id (SHA-256 thumbprint)')
    .argument('<keyId>', 'key id: base64url or hex SHA-256 thumbprint')
    .option('--reason <reason>', 'reason', 'unspecified')
    .action(async (keyId: string, opts: { reason: string }) => {
      const c = await withTrust((trust) => trust.revokeCertificate(keyId, opts.reason));
      console.log(`${c.partyId}: certificate ${c.keyId} revoked (${c.revocationReason})`);
    });

  const pki = pkiCommand(program);
  pki.command('crl')
    .description('certificate revocation lists')
    .command('import')
    .description('import a CRL (PEM or DER) issued by a CA in the trust store; listed certificates are refused at once')
    .argument('<file>', 'CRL file')
    .action(async (file: string) => {
      const data = readFileSync(file);
      const r = await withTrust((trust) => trust.importCrl(data));
      console.log(`CRL of ${r.issuer} (thisUpdate ${r.thisUpdate.toISOString()}): ${r.revokedSerials} revoked serial(s); ${r.newlyRevoked.length} registered certificate(s) newly revoked`);
      for (const k of r.newlyRevoked) console.log(`revoked ${k}`);
    });
  pki.command('anchor')
    .description('trust anchors (CA certificates)')
    .command('add')
    .description('add a CA certificate as a trust anchor: global, or for one party (--party)')
    .argument('<file>', 'CA certificate PEM or DER')
    .option('--party <CC:AGENCY>', 'trust it for this party only')
    .action(async (file: string, opts: { party?: string }) => {
      const a = await withTrust((trust) => trust.addAuthority(readFileSync(file), { partyId: opts.party }));
      console.log(`anchor ${a.keyId} (${a.subject}) ${a.partyId ? `for ${a.partyId}` : 'global'}`);
    });
}
