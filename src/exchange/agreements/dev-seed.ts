import type { Registry } from '../../standards/index.ts';
import type { DatabaseAgreementStore } from './store.ts';
import type { AgreementInput } from './document.ts';
import type { AgreementDocument } from './types.ts';

/**
 * The demo gateways of the development PKI and where each listens in `npm run demo`
 * (design.md §4: KR:KCS on 8080, VN:GDVC on 8081). QA:GAC runs no demo gateway: its
 * agreement has no endpoint.
 */
export const DEV_EXCHANGE_PARTIES: Readonly<Record<string, { endpoint?: string }>> = {
  'KR:KCS': { endpoint: 'http://127.0.0.1:8080' },
  'VN:GDVC': { endpoint: 'http://127.0.0.1:8081' },
  'QA:GAC': {},
};

/**
 * Document signature algorithms of the bxg profile (docs/document-signatures.md): the JWS ones
 * and those XMLDSig maps onto JWS names. The agreement schema's enum is the same list (a test
 * keeps the three equal).
 */
export const PROFILE_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256', 'RS384', 'RS512', 'EdDSA'] as const;

/** The development retry policy (the example). */
export const DEV_RETRY = { attempts: 5, baseMs: 500, capMs: 30_000 } as const;

/** The agreement a development gateway has with one demo partner: every document type version of the registry, both ways. */
export function devAgreement(partner: string, registry: Registry): AgreementInput {
  const byType = new Map<string, string[]>();
  for (const e of registry.list()) {
    if (e.isEnvelope) continue; // an envelope carries documents; it is never the document carried
    byType.set(e.type, [...(byType.get(e.type) ?? []), e.version]);
  }
  const documents: AgreementDocument[] = [...byType].sort(([a], [b]) => a.localeCompare(b))
    .map(([documentType, versions]) => ({ documentType, versions, direction: 'both' }));
  const endpoint = DEV_EXCHANGE_PARTIES[partner]?.endpoint;
  return {
    partner, active: true, ...(endpoint ? { endpoint } : {}), documents,
    signature: { formats: ['xml', 'json'], algorithms: [...PROFILE_ALGORITHMS] },
    retry: { ...DEV_RETRY },
  };
}

/**
 * Seed the development agreements (a gateway started with its development PKI): one with
 * every other demo gateway party than `self`, each only when that partner has no agreement
 * yet — so a restart, or an operator's later change, is left alone.
 * @returns the partners an agreement was seeded for.
 */
export async function seedDevAgreements(store: DatabaseAgreementStore, self: string, registry: Registry): Promise<string[]> {
  const seeded: string[] = [];
  for (const partner of Object.keys(DEV_EXCHANGE_PARTIES)) {
    if (partner === self || (await store.current(partner))) continue;
    const { changed } = await store.apply(devAgreement(partner, registry), { actor: 'system', source: 'development seed' });
    if (changed) seeded.push(partner);
  }
  return seeded;
}
