/**
 * An in-memory PKI shaped like the development one (src/pki/dev), for tests and benchmarks:
 * the same CA subject, parties and extensions, with keys cached per process.
 * @module test-pki
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CA_SUBJECT, DEV_P12_PASSWORD, DEV_PARTIES, partySpec, type DevPkiOptions } from '../../src/pki/dev/index.ts';
import { buildPkcs12, generatePrivateKeySync, issueCertificate, toPem, type IssueSpec, type KeyType } from '../../src/pki/keys/index.ts';

/** One party of an in-memory test PKI. */
export interface TestParty {
  partyId: string;
  name: string;
  key: KeyObject;
  publicKey: KeyObject;
  certDer: Buffer;
  certPem: string;
}

/** An in-memory PKI shaped like the development one, for tests. */
export interface TestPki {
  keyType: KeyType;
  ca: { key: KeyObject; certDer: Buffer; certPem: string };
  parties: Record<string, TestParty>;
  /** A party by id (throws when unknown). */
  party(partyId: string): TestParty;
  /** Issue another certificate from this CA (expired, other key usage, weak key, …). */
  issue(spec: Omit<IssueSpec, 'issuerCertificate' | 'issuerKey'> & { key: KeyObject }): TestParty;
  /** PKCS#12 bundle of a party (built on demand: PBKDF2 in JavaScript is slow). */
  p12(partyId: string): Buffer;
}

// Keys are the slow part; cache them per process, by purpose and type.
const keyCache = new Map<string, KeyObject>();

/** A private key cached for the life of the process under `label` (tests: fast, stable). */
export function cachedTestKey(label: string, keyType: KeyType = 'ec-p256'): KeyObject {
  const k = `${label}|${keyType}`;
  let key = keyCache.get(k);
  if (!key) { key = generatePrivateKeySync(keyType); keyCache.set(k, key); }
  return key;
}

/** Build the development PKI in memory (same CA, parties and extensions as {@link initDevPki}). */
export function createTestPki(options: DevPkiOptions & { label?: string } = {}): TestPki {
  const keyType = options.keyType ?? 'ec-p256';
  const label = options.label ?? 'dev';
  const caKey = cachedTestKey(`${label}:ca`, keyType);
  const caDer = issueCertificate({
    subject: CA_SUBJECT, publicKey: createPublicKey(caKey), issuerKey: caKey, ca: true,
    notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
  });
  const ca = { key: caKey, certDer: caDer, certPem: toPem(caDer) };
  const make = (partyId: string, name: string, key: KeyObject, der: Buffer): TestParty =>
    ({ partyId, name, key, publicKey: createPublicKey(key), certDer: der, certPem: toPem(der) });
  const parties: Record<string, TestParty> = {};
  for (const [partyId, name] of Object.entries(DEV_PARTIES)) {
    const key = cachedTestKey(`${label}:${partyId}`, keyType);
    parties[partyId] = make(partyId, name, key, issueCertificate(partySpec(partyId, name, key, caDer, caKey)));
  }
  return {
    keyType, ca, parties,
    party(partyId) {
      const p = parties[partyId];
      if (!p) throw new Error(`no test party ${partyId}`);
      return p;
    },
    issue(spec) {
      const der = issueCertificate({ ...spec, issuerCertificate: caDer, issuerKey: caKey });
      return make(spec.partyId ?? '', spec.subject.commonName, spec.key, der);
    },
    p12(partyId) {
      const p = this.party(partyId);
      return buildPkcs12(p.key.export({ type: 'pkcs8', format: 'der' }), [p.certDer, caDer], DEV_P12_PASSWORD, p.name);
    },
  };
}
