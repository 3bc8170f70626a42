import { readFileSync } from 'node:fs';
import { ConflictError } from '../../errors/index.ts';
import { GATEWAY_PARTY_ID, type DevPkiResult } from '../dev/index.ts';
import type { TrustStore } from './store.ts';
import type { PartyKind } from './types.ts';
import { readCertificates, thumbprint } from '../keys/index.ts';

/** What seeding did. */
export interface SeedReport {
  anchorAdded: boolean;
  partiesAdded: string[];
  certificatesAdded: string[];
}

/**
 * Put the development PKI into the trust store (idempotent; for `npm start` and demos): its
 * root CA as a global anchor, each demo party (KR:KCS = the gateway, role `admin`; other KR:*
 * domestic agencies; the rest partner customs) and its current certificate. A certificate
 * re-issued by `pki init` is added next to the old one (rotation with overlap).
 */
/**
 * Run one seeding step; a unique violation means another instance starting at the same moment
 * seeded it first, which is the outcome wanted.
 */
async function unlessSeeded(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (e) {
    if (e instanceof ConflictError) return false;
    throw e;
  }
}

export async function seedDevTrust(trust: TrustStore, pki: DevPkiResult): Promise<SeedReport> {
  const report: SeedReport = { anchorAdded: false, partiesAdded: [], certificatesAdded: [] };
  const caPem = readFileSync(pki.caCertPath, 'utf8');
  const caKeyId = thumbprint(readCertificates(caPem)[0]!);
  const { rows } = await trust.db.query('SELECT 1 FROM trust_authorities WHERE key_id = $1', [caKeyId]);
  if (!rows.length) report.anchorAdded = await unlessSeeded(() => trust.addAuthority(caPem));
  for (const files of Object.values(pki.parties)) {
    const pem = readFileSync(files.certPath, 'utf8');
    const keyId = thumbprint(readCertificates(pem)[0]!);
    const kind: PartyKind = files.partyId === GATEWAY_PARTY_ID ? 'gateway' : files.partyId.startsWith('KR:') ? 'domestic-agency' : 'partner-customs';
    if (!(await trust.getParty(files.partyId))) {
      const added = await unlessSeeded(() => trust.registerParty({
        id: files.partyId, name: files.name, kind,
        roles: files.partyId === GATEWAY_PARTY_ID ? ['admin'] : [], certificates: [pem],
      }));
      if (added) {
        report.partiesAdded.push(files.partyId);
        report.certificatesAdded.push(keyId);
        continue;
      }
    }
    if (!(await trust.getCertificate(keyId)) && (await unlessSeeded(() => trust.addCertificate(files.partyId, pem)))) {
      report.certificatesAdded.push(keyId);
    }
  }
  return report;
}
