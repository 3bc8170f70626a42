import type { TrustStore } from '../../../src/pki/trust/index.ts';
import type { TestPki } from '../../support/test-pki.ts';

/** Register the test PKI's parties: root as global anchor, KR:KCS (gateway, admin), the rest plain. */
export async function seedTrust(trust: TrustStore, pki: TestPki): Promise<void> {
  await trust.addAuthority(pki.ca.certPem);
  for (const p of Object.values(pki.parties)) {
    await trust.registerParty({
      id: p.partyId, name: p.name,
      kind: p.partyId === 'KR:KCS' ? 'gateway' : p.partyId.startsWith('KR:') ? 'domestic-agency' : 'partner-customs',
      roles: p.partyId === 'KR:KCS' ? ['admin'] : [],
      certificates: [p.certPem],
    });
  }
}
