import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgreementError, InvalidAgreementError, type GatewayError } from '../../src/errors/index.ts';
import {
  AGREEMENT_REASONS, AGREEMENT_SCHEMA, DatabaseAgreementStore, PROFILE_ALGORITHMS, type AgreementCheck, type AgreementInput,
} from '../../src/exchange/index.ts';
import { JWS_ALGORITHMS } from '../../src/pki/index.ts';
import { SIGNATURE_METHODS } from '../../src/pki/xmldsig/profile.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testRegistry } from '../support/app.ts';

let t: TestDatabase;
let store: DatabaseAgreementStore;

const registry = testRegistry();
const known = (type: string, version: string) => !!registry.get(type, version);

/** A fresh partner id per test, so tests do not see each other's agreements. */
let n = 0;
const nextPartner = () => `ZZ:P${++n}`;

function agreement(partner: string, over: Partial<AgreementInput> = {}): AgreementInput {
  return {
    partner, active: true, endpoint: 'https://gw.example.zz',
    documents: [
      { documentType: 'eco.certificate', versions: ['1.0.0'], direction: 'both' },
      { documentType: 'eco.status', versions: ['1.0.0'], direction: 'inbound', authors: ['ZZ:CHAMBER', partner] },
      { documentType: 'aeo.operator-list', versions: ['1.0.0'], direction: 'outbound' },
    ],
    signature: { formats: ['json'], algorithms: ['ES256'] },
    retry: { attempts: 3, baseMs: 100, capMs: 1000 },
    ...over,
  };
}

function check(partner: string, over: Partial<AgreementCheck> = {}): AgreementCheck {
  return { direction: 'inbound', partner, documentType: 'eco.certificate', version: '1.0.0', author: partner, format: 'json', algorithm: 'ES256', ...over };
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  t = await createTestDatabase();
  // No cache: every check reads the database (the cache has its own test).
  store = new DatabaseAgreementStore(t.db, { knownDocumentType: known, cacheMs: 0 });
}, 60_000);

afterAll(async () => {
  await t.cleanup();
});

describe('applying agreements', () => {
  it('stores a first version with its audit entry, and reads it back through current, versions and list', async () => {
    const p = nextPartner();
    const { agreement: a, changed } = await store.apply({ $schema: 'x', ...agreement(p) }, { actor: 'KR:KCS' });
    expect(changed).toBe(true);
    expect(a).toMatchObject({ partner: p, version: 1, active: true, createdBy: 'KR:KCS', endpoint: 'https://gw.example.zz' });
    expect(a).not.toHaveProperty('$schema');
    expect(await store.current(p)).toEqual(a);
    expect(await store.versions(p)).toEqual([a]);
    expect((await store.list()).find((x) => x.partner === p)).toEqual(a);
    const { rows } = await t.db.query<{ actor: string; details: Record<string, unknown> }>(
      "SELECT actor, details FROM audit_pending WHERE action = 'agreement.changed' AND subject = $1", [p],
    );
    expect(rows).toEqual([{ actor: 'KR:KCS', details: { version: 1 } }]);
    // What is stored is the agreement without version: the column holds it.
    const { rows: raw } = await t.db.query<{ body: Record<string, unknown> }>('SELECT body FROM exchange_agreements WHERE partner = $1', [p]);
    expect(raw[0]!.body).not.toHaveProperty('version');
  });

  it('writes nothing when the document equals the current version (whatever its key order or given version)', async () => {
    const p = nextPartner();
    await store.apply(agreement(p), { actor: 'system', source: 'file a.json' });
    const before = await count('SELECT count(*)::int AS n FROM audit_pending');
    const a = agreement(p);
    const reordered = { retry: a.retry, signature: a.signature, documents: a.documents, endpoint: a.endpoint, active: a.active, partner: a.partner, version: 7 };
    const again = await store.apply(reordered, { actor: 'system' });
    expect(again.changed).toBe(false);
    expect(again.agreement.version).toBe(1);
    expect(again.agreement.createdBy).toBe('system (file a.json)');
    expect(await count('SELECT count(*)::int AS n FROM exchange_agreements WHERE partner = $1', [p])).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM audit_pending')).toBe(before);
  });

  it('adds a version per change and keeps the old ones, newest first', async () => {
    const p = nextPartner();
    await store.apply(agreement(p), { actor: 'KR:KCS' });
    await store.apply(agreement(p, { active: false }), { actor: 'KR:KCS' });
    const { agreement: v3 } = await store.apply(agreement(p, { endpoint: 'https://other.example.zz' }), { actor: 'system', source: 'development seed' });
    expect(v3.version).toBe(3);
    const all = await store.versions(p);
    expect(all.map((a) => a.version)).toEqual([3, 2, 1]);
    expect(all.map((a) => a.active)).toEqual([true, false, true]);
    expect((await store.current(p))!.endpoint).toBe('https://other.example.zz');
    const { rows } = await t.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_pending WHERE action = 'agreement.changed' AND subject = $1 ORDER BY id", [p],
    );
    expect(rows.map((r) => r.details)).toEqual([{ version: 1 }, { version: 2, previous: 1 }, { version: 3, previous: 2, source: 'development seed' }]);
    // list shows only the current version of each partner.
    expect((await store.list()).filter((a) => a.partner === p).map((a) => a.version)).toEqual([3]);
  });

  it('gives concurrent changes for one partner consecutive versions', async () => {
    const p = nextPartner();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => store.apply(agreement(p, { retry: { attempts: i, baseMs: 100, capMs: 1000 } }), { actor: 'KR:KCS' })));
    expect(results.map((r) => r.agreement.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('has no agreement for an unknown partner', async () => {
    expect(await store.current('ZZ:NOBODY')).toBeUndefined();
    expect(await store.versions('ZZ:NOBODY')).toEqual([]);
  });
});

describe('invalid agreements are refused with pointers, and nothing is written', () => {
  const cases: Array<[string, (p: string) => unknown, string, string]> = [
    ['not an object', () => 'nope', '', 'schema.type'],
    ['a missing field', (p) => { const { retry: _r, ...rest } = agreement(p); return rest; }, '/retry', 'schema.required'],
    ['an unknown field', (p) => ({ ...agreement(p), priority: 1 }), '/priority', 'schema.unexpected'],
    ['a bad party id', () => agreement('vietnam'), '/partner', 'schema.pattern'],
    ['a bad direction', (p) => agreement(p, { documents: [{ documentType: 'eco.status', versions: ['1.0.0'], direction: 'sideways' as 'both' }] }), '/documents/0/direction', 'schema.enum'],
    ['an algorithm outside the profile', (p) => agreement(p, { signature: { formats: ['xml'], algorithms: ['HS256'] } }), '/signature/algorithms/0', 'schema.enum'],
    ['an endpoint that is not http(s)', (p) => agreement(p, { endpoint: 'ftp://gw.example.zz' }), '/endpoint', 'schema.pattern'],
    ['a validity ending before it starts', (p) => agreement(p, { validFrom: '2026-02-01T00:00:00Z', validTo: '2026-01-01T00:00:00Z' }), '/validTo', 'agreement.validity'],
    ['a cap below the base', (p) => agreement(p, { retry: { attempts: 3, baseMs: 1000, capMs: 10 } }), '/retry/capMs', 'agreement.retry'],
    ['an unpublished document version', (p) => agreement(p, { documents: [{ documentType: 'eco.certificate', versions: ['1.0.0', '9.0.0'], direction: 'both' }] }), '/documents/0/versions/1', 'agreement.document-type'],
    ['an unpublished document type', (p) => agreement(p, { documents: [{ documentType: 'eco.unknown', versions: ['1.0.0'], direction: 'both' }] }), '/documents/0/versions/0', 'agreement.document-type'],
  ];
  for (const [what, make, path, code] of cases) {
    it(what, async () => {
      const p = nextPartner();
      const e = await refusal(store.apply(make(p), { actor: 'KR:KCS' }));
      expect(e).toBeInstanceOf(InvalidAgreementError);
      expect(e.status).toBe(422);
      expect(e.code).toBe('BXG_INVALID_AGREEMENT');
      expect(e.errors).toContainEqual(expect.objectContaining({ path, code }));
      expect(e.detail).toContain(`invalid agreement at ${path || '/'}`);
      expect(await count('SELECT count(*)::int AS n FROM exchange_agreements WHERE partner = $1', [p])).toBe(0);
      expect(await count("SELECT count(*)::int AS n FROM audit_pending WHERE subject = $1", [p])).toBe(0);
    });
  }

  it('refuses a document naming another partner than the one it is applied to', async () => {
    const p = nextPartner();
    const e = await refusal(store.apply(agreement(p), { actor: 'KR:KCS' }, { partner: 'ZZ:OTHER', source: 'PUT /v1/admin/agreements/ZZ:OTHER' }));
    expect(e).toBeInstanceOf(InvalidAgreementError);
    expect(e.errors).toEqual([expect.objectContaining({ path: '/partner', code: 'agreement.partner' })]);
    expect(e.detail).toMatch(/^PUT \/v1\/admin\/agreements\/ZZ:OTHER: invalid agreement at \/partner/);
  });

  it('lists the algorithms of the bxg profile: JWS and XMLDSig, as the schema does', () => {
    const profile = new Set([...JWS_ALGORITHMS, ...Object.values(SIGNATURE_METHODS)]);
    expect(new Set(PROFILE_ALGORITHMS)).toEqual(profile);
    const schemaEnum = (((AGREEMENT_SCHEMA.properties as Record<string, Record<string, Record<string, Record<string, Record<string, unknown>>>>>)
      .signature!.properties!.algorithms!.items!).enum as string[]);
    expect(new Set(schemaEnum)).toEqual(profile);
  });
});

describe('authorise', () => {
  let p: string;
  beforeAll(async () => {
    p = nextPartner();
    await store.apply(agreement(p), { actor: 'KR:KCS' });
  });

  async function outside(c: AgreementCheck): Promise<{ codes: string[]; detail: string }> {
    const e = await refusal(store.authorise(c));
    expect(e).toBeInstanceOf(AgreementError);
    expect(e.status).toBe(403);
    expect(e.code).toBe('BXG_AGREEMENT');
    return { codes: (e.errors ?? []).map((i) => i.code), detail: e.detail };
  }

  it('returns the agreement for a message inside it, both ways', async () => {
    expect((await store.authorise(check(p))).version).toBe(1);
    expect((await store.authorise(check(p, { direction: 'outbound', author: 'KR:KCS' }))).partner).toBe(p);
    expect((await store.authorise(check(p, { documentType: 'eco.status', author: 'ZZ:CHAMBER' }))).partner).toBe(p);
    // The algorithm is checked only when known.
    const { algorithm: _a, ...noAlg } = check(p);
    expect((await store.authorise(noAlg)).partner).toBe(p);
    // Inside the transaction of the caller too.
    expect((await t.db.transaction((tx) => store.authorise(check(p), tx))).partner).toBe(p);
  });

  it('refuses a partner without an agreement', async () => {
    const r = await outside(check('ZZ:NOBODY'));
    expect(r.codes).toEqual(['agreement.none']);
    expect(r.detail).toBe('eco.certificate 1.0.0 from ZZ:NOBODY: there is no exchange agreement with ZZ:NOBODY');
  });

  it('refuses an inactive agreement', async () => {
    const q = nextPartner();
    await store.apply(agreement(q, { active: false }), { actor: 'KR:KCS' });
    const r = await outside(check(q));
    expect(r.codes).toEqual(['agreement.inactive']);
    expect(r.detail).toContain(`the agreement with ${q} is not active`);
  });

  it('refuses before validFrom and from validTo on (the time of the check)', async () => {
    const q = nextPartner();
    await store.apply(agreement(q, { validFrom: '2030-01-01T00:00:00Z', validTo: '2031-01-01T00:00:00+09:00' }), { actor: 'KR:KCS' });
    expect((await outside(check(q))).codes).toEqual(['agreement.not-yet-valid']);
    expect((await store.authorise(check(q, { at: new Date('2030-06-01T00:00:00Z') }))).partner).toBe(q);
    const r = await outside(check(q, { at: new Date('2030-12-31T15:00:00Z') }));
    expect(r.codes).toEqual(['agreement.expired']);
    expect(r.detail).toContain('applied only until 2031-01-01T00:00:00+09:00');
  });

  it('refuses a document type it does not cover', async () => {
    const r = await outside(check(p, { documentType: 'cmaa.request' }));
    expect(r.codes).toEqual(['agreement.document-type']);
    expect(r.detail).toBe(`cmaa.request 1.0.0 from ${p} is outside the agreement (version 1): document type cmaa.request is not covered by the agreement with ${p}`);
  });

  it('refuses a version it does not cover', async () => {
    const r = await outside(check(p, { version: '2.0.0' }));
    expect(r.codes).toEqual(['agreement.version']);
    expect(r.detail).toContain('eco.certificate version 2.0.0 is not covered (allowed: 1.0.0)');
  });

  it('refuses the wrong direction, each way', async () => {
    expect((await outside(check(p, { documentType: 'aeo.operator-list' }))).codes).toEqual(['agreement.direction']);
    const r = await outside(check(p, { documentType: 'eco.status', direction: 'outbound', author: 'KR:KCS' }));
    expect(r.codes).toEqual(['agreement.direction']);
    expect(r.detail).toContain(`to ${p}`);
  });

  it('refuses an author other than the partner by default, and one not listed', async () => {
    const r = await outside(check(p, { author: 'ZZ:CHAMBER' }));
    expect(r.codes).toEqual(['agreement.author']);
    expect(r.detail).toContain(`ZZ:CHAMBER may not author eco.certificate on behalf of ${p} (allowed: ${p})`);
    expect((await outside(check(p, { documentType: 'eco.status', author: 'ZZ:ROGUE' }))).codes).toEqual(['agreement.author']);
  });

  it('refuses a format and an algorithm outside the signature policy, naming both', async () => {
    expect((await outside(check(p, { format: 'xml' }))).codes).toEqual(['agreement.format']);
    expect((await outside(check(p, { algorithm: 'RS256' }))).codes).toEqual(['agreement.algorithm']);
    const r = await outside(check(p, { version: '2.0.0', format: 'xml', algorithm: 'RS256' }));
    expect(r.codes).toEqual(['agreement.version', 'agreement.format', 'agreement.algorithm']);
    expect(r.detail).toContain('format xml is not allowed (allowed: json)');
    expect(r.detail).toContain('signature algorithm RS256 is not allowed (allowed: ES256)');
  });

  it('covers every reason code in these tests', () => {
    expect(AGREEMENT_REASONS).toHaveLength(10);
  });

  it('reuses a cached agreement for cacheMs, and sees its own changes at once', async () => {
    let now = 1_000_000;
    const cached = new DatabaseAgreementStore(t.db, { knownDocumentType: known, cacheMs: 1000, now: () => now });
    const other = new DatabaseAgreementStore(t.db, { knownDocumentType: known, cacheMs: 0 });
    const q = nextPartner();
    await cached.apply(agreement(q), { actor: 'KR:KCS' });
    expect((await cached.authorise(check(q))).version).toBe(1);
    // Another instance deactivates it: seen here once the cached entry is older than cacheMs.
    await other.apply(agreement(q, { active: false }), { actor: 'KR:KCS' });
    expect((await cached.authorise(check(q))).version).toBe(1);
    now += 1000;
    expect((await refusal(cached.authorise(check(q)))).errors?.[0]?.code).toBe('agreement.inactive');
    // Its own change is seen at once.
    await cached.apply(agreement(q), { actor: 'KR:KCS' });
    expect((await cached.authorise(check(q))).version).toBe(3);
  });
});
