import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromPem, issueCertificate, toPem, type IssueSpec, generatePrivateKey, loadPrivateKeyFile, privateKeyPem, type KeyType, buildPkcs12 } from '../keys/index.ts';

/** This gateway's own party id: its signing certificate is `parties/KR_KCS.*`. */
export const GATEWAY_PARTY_ID = 'KR:KCS';

/** The demo parties of the development PKI (id → display name, the certificate's CN). */
export const DEV_PARTIES: Readonly<Record<string, string>> = {
  'KR:KCS': 'Korea Customs Service',
  'VN:GDVC': 'General Department of Vietnam Customs',
  'QA:GAC': 'General Authority of Customs (Qatar)',
  'KR:MFDS': 'Ministry of Food and Drug Safety',
  'KR:NPA': 'Korean National Police Agency',
  'KR:APQA': 'Animal and Plant Quarantine Agency',
};

/** Password of every development PKCS#12 bundle. Development only: these keys protect nothing. */
export const DEV_P12_PASSWORD = 'bxg-dev-only';

/** Subject of the development root CA. */
export const CA_SUBJECT = { commonName: 'bxg Development Root CA', organization: 'Border Exchange Gateway (development)', country: 'KR' };

/** `KR:KCS` → `KR_KCS`, the file stem of a party's files. */
export function partyFileStem(partyId: string): string {
  return partyId.replace(':', '_');
}

/**
 * Where a party's key, certificate and PKCS#12 bundle live in a certificates directory
 * (`dir/parties/CC_AGENCY.{key.pem,cert.pem,p12}`): the development PKI's layout, and where
 * the gateway looks for its own signing key.
 */
export function partyFiles(dir: string, partyId: string): { keyPath: string; certPath: string; p12Path: string } {
  const stem = join(dir, 'parties', partyFileStem(partyId));
  return { keyPath: `${stem}.key.pem`, certPath: `${stem}.cert.pem`, p12Path: `${stem}.p12` };
}

/** Options of {@link initDevPki} (and of the tests' in-memory PKI, test/support/test-pki.ts). */
export interface DevPkiOptions {
  /** Key type of new keys; existing keys are kept whatever their type. Default `ec-p256`. */
  keyType?: KeyType;
}

/** Paths of one party's files in a development PKI directory. */
export interface DevPartyFiles {
  partyId: string;
  name: string;
  keyPath: string;
  certPath: string;
  p12Path: string;
}

/** What {@link initDevPki} made or found. */
export interface DevPkiResult {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  parties: Record<string, DevPartyFiles>;
  /** Files written by this run (empty when everything already existed and was valid). */
  written: string[];
}

const README = `Development PKI of the Border Exchange Gateway (bxg) — DEVELOPMENT ONLY.

Made by \`bxg pki init\` (and by \`npm start\` when no key exists). Never use these keys or
certificates in production, never commit them (certs/dev/ is git-ignored).

  ca.pem, ca.key                 development root CA (ca.key is mode 0600)
  parties/CC_AGENCY.key.pem      party private key, PKCS#8 PEM, mode 0600
  parties/CC_AGENCY.cert.pem     party certificate, issued by ca.pem
  parties/CC_AGENCY.p12          PKCS#12 bundle (key + certificate + CA), password "${DEV_P12_PASSWORD}"

KR_KCS is this gateway's own signing key. The party id (CC:AGENCY) is in each certificate's
subjectAltName as the URI urn:bxg:party:CC:AGENCY; the subject CN is the party's name.
Check a chain with: openssl verify -CAfile ca.pem parties/KR_KCS.cert.pem
`;

/** Renew a certificate whose remaining validity is shorter than this. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

function writePrivate(path: string, data: string | Buffer, written: string[]): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode option does not apply when the file already existed
  written.push(path);
}

async function loadOrCreateKey(path: string, keyType: KeyType, written: string[]): Promise<KeyObject> {
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    return loadPrivateKeyFile(path);
  }
  const key = await generatePrivateKey(keyType);
  try {
    // 'wx': never overwrite a key another process wrote meanwhile (several instances starting at once).
    writeFileSync(path, privateKeyPem(key), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadPrivateKeyFile(path);
    throw e;
  }
  written.push(path);
  return key;
}

/** An existing certificate is kept when it matches the key, was issued by the CA and is not about to expire. */
function certStillGood(path: string, key: KeyObject, issuer: X509Certificate | null): boolean {
  if (!existsSync(path)) return false;
  try {
    const cert = new X509Certificate(readFileSync(path));
    if (!cert.checkPrivateKey(key)) return false;
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    const ca = issuer ?? cert;
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * Create (or complete) the development PKI under `dir`. Idempotent: existing keys are kept;
 * a certificate is re-issued only when missing, not matching its key or the CA, or within
 * 30 days of expiry (and then its PKCS#12 bundle too).
 *
 * Layout (all PEM unless noted):
 * ```
 * dir/README                       dev-only note
 * dir/ca.pem  dir/ca.key           root CA certificate and key (key mode 0600)
 * dir/parties/KR_KCS.key.pem       the gateway's signing key (mode 0600)
 * dir/parties/KR_KCS.cert.pem      its certificate (SAN URI urn:bxg:party:KR:KCS)
 * dir/parties/KR_KCS.p12           PKCS#12: key + certificate + CA, password DEV_P12_PASSWORD
 * dir/parties/VN_GDVC.*, QA_GAC.*, KR_MFDS.*, KR_NPA.*, KR_APQA.*   demo parties, same files
 * ```
 * CA: basicConstraints cA (critical), keyUsage keyCertSign + cRLSign, 10 years.
 * Parties: basicConstraints end entity, keyUsage digitalSignature + nonRepudiation, 2 years.
 */
export async function initDevPki(dir: string, options: DevPkiOptions = {}): Promise<DevPkiResult> {
  const keyType = options.keyType ?? 'ec-p256';
  const written: string[] = [];
  mkdirSync(join(dir, 'parties'), { recursive: true, mode: 0o700 });
  const readme = join(dir, 'README');
  if (!existsSync(readme)) { writeFileSync(readme, README); written.push(readme); }

  const caKeyPath = join(dir, 'ca.key');
  const caCertPath = join(dir, 'ca.pem');
  const caKey = await loadOrCreateKey(caKeyPath, keyType, written);
  let caRenewed = false;
  if (!certStillGood(caCertPath, caKey, null)) {
    const der = issueCertificate({
      subject: CA_SUBJECT, publicKey: createPublicKey(caKey), issuerKey: caKey, ca: true,
      notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
    });
    writeFileSync(caCertPath, toPem(der));
    written.push(caCertPath);
    caRenewed = true;
  }
  const caPem = readFileSync(caCertPath, 'utf8');
  const caCert = new X509Certificate(caPem);

  const parties: Record<string, DevPartyFiles> = {};
  for (const [partyId, name] of Object.entries(DEV_PARTIES)) {
    const files: DevPartyFiles = { partyId, name, ...partyFiles(dir, partyId) };
    parties[partyId] = files;
    const key = await loadOrCreateKey(files.keyPath, keyType, written);
    const certOk = !caRenewed && certStillGood(files.certPath, key, caCert);
    if (!certOk) {
      const der = issueCertificate(partySpec(partyId, name, key, caCert.raw, caKey));
      writeFileSync(files.certPath, toPem(der));
      written.push(files.certPath);
    }
    if (!certOk || !existsSync(files.p12Path)) {
      const certDer = fromPem(readFileSync(files.certPath, 'utf8'));
      const p12 = buildPkcs12(key.export({ type: 'pkcs8', format: 'der' }), [certDer, caCert.raw], DEV_P12_PASSWORD, name);
      writePrivate(files.p12Path, p12, written);
    }
  }
  return { dir, caCertPath, caKeyPath, parties, written };
}

/** Certificate request of a development party: its name, country and party-id SAN, issued by the CA. */
export function partySpec(partyId: string, name: string, key: KeyObject, caDer: Uint8Array, caKey: KeyObject): IssueSpec {
  return {
    subject: { commonName: name, country: partyId.slice(0, 2) },
    publicKey: createPublicKey(key), partyId,
    issuerCertificate: caDer, issuerKey: caKey,
  };
}
