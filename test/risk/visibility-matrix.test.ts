/*
 * The visibility matrix (issue 12): every kind of party × every distribution × every marking ×
 * every read path. The expected answers are GENERATED from the two tables in docs/risk.md;
 * the read paths come from READ_PATHS in src/risk, and each must have a probe here.
 */
import { readFileSync } from 'node:fs';
import { generatePrivateKeySync } from '../../src/pki/keys/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_PATHS, WRITE_PATHS, DISTRIBUTIONS, TLP_MARKINGS, type ReadPathName } from '../../src/risk/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { adminSigner, unregisteredSigner } from '../support/signed.ts';
import type { Signer } from '../../src/pki/index.ts';
import { call, record, signers } from './support.ts';

type Table = { columns: string[]; rows: Map<string, Map<string, string>> };

/** A markdown table of docs/risk.md, found by its `<!-- table: NAME -->` marker. */
function docTable(name: string): Table {
  const doc = readFileSync(new URL('../../docs/risk.md', import.meta.url), 'utf8');
  const at = doc.indexOf(`<!-- table: ${name} -->`);
  if (at < 0) throw new Error(`docs/risk.md has no table ${name}`);
  const lines = doc.slice(at).split('\n').slice(1).filter((l, i, all) => l.startsWith('|') && all.slice(0, i).every((x) => x.startsWith('|')));
  const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
  const columns = cells(lines[0]!).slice(1);
  const rows = new Map<string, Map<string, string>>();
  for (const l of lines.slice(2)) {
    const [head, ...rest] = cells(l);
    rows.set(head!, new Map(columns.map((c, i) => [c, rest[i]!])));
  }
  return { columns, rows };
}

const distribution = docTable('distribution');
const marking = docTable('marking');

interface PartyRole { role: string; id: string; kind: 'domestic-agency' | 'gateway' | 'partner-customs'; auditor?: boolean; member?: boolean }
const CONTRIBUTOR = 'KR:MFDS';
const PARTIES: PartyRole[] = [
  { role: 'contributor', id: CONTRIBUTOR, kind: 'domestic-agency' },
  { role: 'another domestic agency', id: 'KR:APQA', kind: 'domestic-agency' },
  { role: 'sharing-group member', id: 'KR:NPA', kind: 'domestic-agency', member: true },
  { role: 'non-member (the gateway party)', id: 'KR:KCS', kind: 'gateway' },
  { role: 'named partner', id: 'VN:GDVC', kind: 'partner-customs' },
  { role: 'unnamed partner', id: 'QA:GAC', kind: 'partner-customs' },
  { role: 'auditor', id: 'KR:BAI', kind: 'domestic-agency', auditor: true },
];
const kindOf = new Map(PARTIES.map((p) => [p.id, p.kind]));
const GROUP = 'MATRIX-GROUP';
const RECIPIENT_VARIANTS: Record<string, string[]> = { none: [], named: ['KR:NPA', 'VN:GDVC', 'KR:BAI'], gateway: ['KR:KCS'] };

interface MatrixRecord { id: string; n: number; distribution: string; tlp: string; recipients: string[] }

/** The table's verdict: may `p` see record `r`? */
function expected(p: PartyRole, r: MatrixRecord): boolean {
  if (p.id === CONTRIBUTOR) return true;
  const cell = distribution.rows.get(p.auditor ? 'auditor' : p.kind)!.get(r.distribution)!;
  const inAudience = cell === 'yes' || (cell === 'member' && !!p.member) || (cell === 'named' && r.recipients.includes(p.id));
  const relation = r.recipients.length === 0 ? 'no recipients named'
    : r.recipients.includes(p.id) ? 'caller named'
      : p.kind === 'domestic-agency' && r.recipients.some((x) => kindOf.get(x) === 'gateway') ? 'caller served by a named recipient'
        : 'caller not named';
  const allowed = marking.rows.get(relation)!.get(r.tlp)!;
  if (!['yes', 'no'].includes(allowed) || !['yes', 'no', 'member', 'named'].includes(cell)) throw new Error(`unknown cell ${cell}/${allowed}`);
  return inAudience && allowed === 'yes';
}

let h: TestApp;
let as: (party: string) => Signer;
const records: MatrixRecord[] = [];

beforeAll(async () => {
  h = await createTestApp();
  const base = signers(h);
  // The auditor: a registered party of its own with role auditor.
  const auditor = unregisteredSigner(h.pki, generatePrivateKeySync('ec-p256'), 'Board of Audit and Inspection', 'KR:BAI');
  await h.app.trust.registerParty({ id: 'KR:BAI', name: 'Board of Audit and Inspection', kind: 'domestic-agency', roles: ['auditor'], certificates: [auditor.certificatePem] });
  as = (party) => (party === 'KR:BAI' ? auditor : base(party));
  const g = await call(h.app, adminSigner(h.pki.dir), 'POST', '/v1/risk/groups', { id: GROUP, name: 'Matrix group', members: ['KR:NPA'] });
  expect(g.status, JSON.stringify(g.body)).toBe(201);
  let n = 0;
  for (const d of DISTRIBUTIONS) {
    for (const tlp of TLP_MARKINGS) {
      for (const [variant, recipients] of Object.entries(RECIPIENT_VARIANTS)) {
        if (tlp === 'RED' && variant === 'none') continue; // RISK-R002: RED names its recipients
        n++;
        const doc = record(CONTRIBUTOR, {
          subjects: [{ kind: 'CONSIGNMENT', transportDocumentNumber: `MTX${n}` }, { kind: 'CONTAINER', containerNumber: 'MSKU9070323' }],
          handling: { tlp, distribution: d, ...(d === 'SHARING_GROUP' ? { sharingGroup: GROUP } : {}), ...(recipients.length ? { recipients } : {}) },
        });
        const r = await call(h.app, as(CONTRIBUTOR), 'POST', '/v1/risk/records', doc);
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        records.push({ id: doc.recordId as string, n, distribution: d, tlp, recipients });
      }
    }
  }
}, 300_000);
afterAll(async () => h?.close());

const ids = (xs: { recordId: string }[]) => new Set(xs.map((x) => x.recordId));
const visibleSet = (p: PartyRole) => new Set(records.filter((r) => expected(p, r)).map((r) => r.id));
const onlyMatrix = (s: Set<string>) => new Set([...s].filter((id) => records.some((r) => r.id === id)));

/** One probe per read path: checks what `p` gets against the table. */
const PROBES: Record<ReadPathName, (p: PartyRole) => Promise<void>> = {
  async get(p) {
    for (const r of records) {
      const res = await call(h.app, as(p.id), 'GET', `/v1/risk/records/${r.id}`);
      expect(res.status, `${p.role} ${r.distribution}/${r.tlp}/${r.recipients}`).toBe(expected(p, r) ? 200 : 404);
    }
  },
  async list(p) {
    const res = await call(h.app, as(p.id), 'GET', '/v1/risk/records?limit=200');
    expect(res.status).toBe(200);
    expect(res.body.next).toBeUndefined();
    expect(onlyMatrix(ids(res.body.records))).toEqual(visibleSet(p));
  },
  async search(p) {
    const res = await call(h.app, as(p.id), 'GET', '/v1/risk/records?subject=MSKU%20907032-3&limit=200');
    expect(res.status).toBe(200);
    expect(ids(res.body.records)).toEqual(visibleSet(p));
  },
  async versions(p) {
    for (const r of records) {
      const res = await call(h.app, as(p.id), 'GET', `/v1/risk/records/${r.id}/versions`);
      expect(res.status, `${p.role} ${r.distribution}/${r.tlp}`).toBe(expected(p, r) ? 200 : 404);
      if (res.status === 200) expect(res.body.versions).toHaveLength(1);
    }
  },
  async screen(p) {
    const res = await call(h.app, as(p.id), 'POST', '/v1/risk/screen', { transportDocumentNumber: 'none', containers: ['MSKU9070323'] });
    expect(res.status).toBe(200);
    expect(res.body.matchCount).toBe(visibleSet(p).size);
    expect(ids(res.body.matches)).toEqual(visibleSet(p));
    // And one by one, by the record's own subject.
    const one = records[records.length - 1]!;
    const r1 = await call(h.app, as(p.id), 'POST', '/v1/risk/screen', { transportDocumentNumber: `MTX${one.n}` });
    expect(r1.body.matchCount).toBe(expected(p, one) ? 1 : 0);
  },
  async feedback(p) {
    for (const r of records) {
      const res = await call(h.app, as(p.id), 'GET', `/v1/risk/records/${r.id}/feedback`);
      expect(res.status, `${p.role} ${r.distribution}/${r.tlp}`).toBe(expected(p, r) ? 200 : 404);
    }
  },
  async reads(p) {
    for (const r of records) {
      const res = await call(h.app, as(p.id), 'GET', `/v1/risk/records/${r.id}/reads`);
      // The contributor's own list; 403 to others who see the record; 404 to those who do not.
      expect(res.status, `${p.role} ${r.distribution}/${r.tlp}`).toBe(p.id === CONTRIBUTOR ? 200 : expected(p, r) ? 403 : 404);
    }
  },
};

describe('visibility matrix (generated from docs/risk.md)', () => {
  it('has a probe for every read path, and every /v1/risk route is a read path or a write path', () => {
    expect(Object.keys(PROBES).sort()).toEqual(Object.keys(READ_PATHS).sort());
    const known = new Set([...Object.values(READ_PATHS), ...WRITE_PATHS].map((p) => `${p.method} ${p.url}`));
    const risk = h.app.routeList.filter((r) => r.url.startsWith('/v1/risk/') && r.method !== 'HEAD');
    expect(risk.length).toBeGreaterThan(10);
    for (const r of risk) expect(known.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is in neither READ_PATHS nor WRITE_PATHS`).toBe(true);
  });

  it('covers every distribution and marking, with parties that see and parties that do not', () => {
    expect(records.length).toBe(DISTRIBUTIONS.length * (TLP_MARKINGS.length * 3 - 1));
    for (const p of PARTIES.filter((x) => x.id !== CONTRIBUTOR)) {
      const n = visibleSet(p).size;
      expect(n, p.role).toBeLessThan(records.length);
    }
    expect(visibleSet(PARTIES.find((p) => p.auditor)!).size).toBe(0);
    expect(visibleSet(PARTIES.find((p) => p.role === 'named partner')!).size).toBeGreaterThan(0);
  });

  for (const p of PARTIES) {
    for (const path of Object.keys(READ_PATHS) as ReadPathName[]) {
      it(`${p.role} (${p.id}) × ${path}`, async () => PROBES[path](p), 120_000);
    }
  }
});
