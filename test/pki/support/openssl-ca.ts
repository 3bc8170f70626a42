import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One certificate made by the openssl CLI. */
export interface OpensslCert {
  pem: string;
  keyPath: string;
  certPath: string;
  /** Private key PEM (tests sign with it). */
  keyPem: string;
}

/** Key spec for openssl: `ec` (P-256), `ec384`, `rsa:2048`, `rsa:1024`, … */
export type OpensslKey = 'ec' | 'ec384' | `rsa:${number}`;

/** A CA run by `openssl ca` in a temporary directory (index.txt, serial, crlnumber). */
export interface OpensslCa {
  dir: string;
  name: string;
  cert: OpensslCert;
  /** Issue an end-entity certificate. Dates: `YYYYMMDDHHMMSSZ`. */
  issue(cn: string, opts?: {
    key?: OpensslKey; startDate?: string; endDate?: string; keyUsage?: string;
    crlUrl?: string; ocspUrl?: string; san?: string;
    /** More extension lines (openssl x509v3_config), e.g. `extendedKeyUsage = serverAuth`; may open further sections. */
    extra?: string;
  }): OpensslCert;
  /** Issue a subordinate CA certificate (`extra`: more extension lines, e.g. a pathlen or name constraints). */
  issueCa(cn: string, opts?: { basicConstraints?: string; extra?: string }): OpensslCert;
  /** Revoke a certificate issued here (`openssl ca -revoke`). */
  revoke(cert: OpensslCert, reason?: string): void;
  /** Generate the current CRL (`openssl ca -gencrl`), PEM. */
  crl(): string;
  cleanup(): void;
}

function run(args: string[], cwd?: string): string {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function keyArgs(key: OpensslKey): string[] {
  if (key === 'ec') return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  if (key === 'ec384') return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
  return ['-newkey', key];
}

/** Utility: a date N days from now in openssl's `YYYYMMDDHHMMSSZ` form. */
export function opensslDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** Make a root CA with openssl (EC P-256 by default); `rootExtra`: more extension lines for the root certificate. */
export function createOpensslCa(name: string, key: OpensslKey = 'ec', base?: string, rootExtra = ''): OpensslCa {
  const dir = base ?? mkdtempSync(join(tmpdir(), 'bxg-ossl-'));
  mkdirSync(join(dir, 'new'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(cnf, `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/new
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
${rootExtra}
[ v3_sub ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`);
  run(['req', '-x509', ...keyArgs(key), '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'),
    '-subj', `/C=XX/O=${name}/CN=${name} Root CA`, '-days', '365', '-config', cnf, '-extensions', 'v3_root']);
  const caCert: OpensslCert = {
    pem: readFileSync(join(dir, 'ca.pem'), 'utf8'), keyPath: join(dir, 'ca.key'), certPath: join(dir, 'ca.pem'),
    keyPem: readFileSync(join(dir, 'ca.key'), 'utf8'),
  };
  let n = 0;
  const sign = (cn: string, extSection: string, extText: string, k: OpensslKey, start?: string, end?: string): OpensslCert => {
    n++;
    const stem = join(dir, `c${n}`);
    run(['req', ...keyArgs(k), '-nodes', '-keyout', `${stem}.key`, '-out', `${stem}.csr`, '-subj', `/CN=${cn}`]);
    writeFileSync(`${stem}.ext`, `[ ${extSection} ]\n${extText}`);
    run(['ca', '-batch', '-config', cnf, '-in', `${stem}.csr`, '-out', `${stem}.pem`, '-notext',
      '-extfile', `${stem}.ext`, '-extensions', extSection,
      ...(start ? ['-startdate', start] : []), ...(end ? ['-enddate', end] : [])]);
    return { pem: readFileSync(`${stem}.pem`, 'utf8'), keyPath: `${stem}.key`, certPath: `${stem}.pem`, keyPem: readFileSync(`${stem}.key`, 'utf8') };
  };
  return {
    dir, name, cert: caCert,
    issue(cn, opts = {}) {
      const lines = [
        'basicConstraints = CA:false',
        `keyUsage = critical, ${opts.keyUsage ?? 'digitalSignature, nonRepudiation'}`,
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
      ];
      if (opts.crlUrl) lines.push(`crlDistributionPoints = URI:${opts.crlUrl}`);
      if (opts.ocspUrl) lines.push(`authorityInfoAccess = OCSP;URI:${opts.ocspUrl}`);
      if (opts.san) lines.push(`subjectAltName = ${opts.san}`);
      if (opts.extra) lines.push(opts.extra);
      return sign(cn, 'v3_ee', lines.join('\n') + '\n', opts.key ?? 'ec', opts.startDate, opts.endDate);
    },
    issueCa(cn, opts = {}) {
      const lines = [
        `basicConstraints = ${opts.basicConstraints ?? 'critical, CA:true'}`,
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
      ];
      if (opts.extra) lines.push(opts.extra);
      return sign(cn, 'v3_sub2', lines.join('\n') + '\n', 'ec');
    },
    revoke(cert, reason = 'keyCompromise') {
      run(['ca', '-batch', '-config', cnf, '-revoke', cert.certPath, '-crl_reason', reason]);
    },
    crl() {
      const out = join(dir, 'crl.pem');
      run(['ca', '-batch', '-config', cnf, '-gencrl', '-out', out]);
      return readFileSync(out, 'utf8');
    },
    cleanup() {
      if (!base) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A CA under `parent`, run by openssl ca in its own directory, its certificate issued by
 * `parent` (`opts` as for {@link OpensslCa.issueCa}: a pathlen, name constraints, …).
 */
export function subordinateCa(parent: OpensslCa, name: string, opts?: { basicConstraints?: string; extra?: string }): OpensslCa {
  const sub = parent.issueCa(`${name} Issuing CA`, opts);
  const dir = join(parent.dir, name.replace(/\W/g, ''));
  mkdirSync(dir, { recursive: true });
  const ca = createOpensslCa(name, 'ec', dir);
  // Replace the self-signed certificate and key with the subordinate's.
  writeFileSync(join(dir, 'ca.pem'), sub.pem);
  writeFileSync(join(dir, 'ca.key'), readFileSync(sub.keyPath));
  return { ...ca, cert: { ...sub, certPath: join(dir, 'ca.pem') } };
}

/** `openssl verify -CAfile ca [-untrusted chain] cert` → exit status 0? */
export function opensslVerify(caFile: string, certFile: string, untrustedFile?: string, extra: string[] = []): { ok: boolean; output: string } {
  const args = ['verify', '-CAfile', caFile, ...(untrustedFile ? ['-untrusted', untrustedFile] : []), ...extra, certFile];
  try {
    return { ok: true, output: execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString() };
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, output: `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}` };
  }
}
