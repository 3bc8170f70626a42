/*
 * `npm run bench -- risk [--records N] [--json]`: the shared risk database at scale.
 * Seeds N records (default 1,000,000 on PostgreSQL — DATABASE_URL, in a schema of its own,
 * dropped at the end — and 100,000 on the embedded PGlite) with realistic trader names,
 * tax ids, container numbers (valid ISO 6346 check digits) and HS codes, under a mix of
 * markings and distributions. Then, in the same run:
 *   - screening p50/p99 of a consignment of 10 parties (name + tax id) and 5 containers, as a
 *     domestic agency (screenConsignment in a transaction: visibility, trigram names, reads
 *     recorded — the HTTP layer is not included);
 *   - the single-record lookup rate (getRiskRecord by id, in a transaction) beside it.
 * Goal (issue 12): screening p99 ≤ 20 ms on PostgreSQL at 1,000,000 records.
 */
import { randomBytes } from 'node:crypto';
import { migrate, openDatabase, type Database } from '../src/db/index.ts';
import { loadIdentifierHasher } from '../src/pki/index.ts';
import { getRiskRecord, normaliseIdentifier, normaliseName, screenConsignment } from '../src/risk/index.ts';
import { iso6346CheckDigit } from '../src/standards/index.ts';
import { measure } from './measure.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SYLLABLES = ['han', 'bit', 'min', 'jun', 'seo', 'kim', 'lee', 'park', 'ngu', 'yen', 'tran', 'pham', 'hoa', 'long', 'an', 'phu', 'tan', 'thanh', 'viet',
  'sung', 'dae', 'woo', 'hyun', 'quang', 'duc', 'minh', 'hai', 'nam', 'son', 'lin', 'wei', 'zhou', 'kar', 'rash', 'id', 'al', 'far', 'mo', 'ha', 'med'];
const WORDS = ['Golden', 'Silver', 'Blue', 'Green', 'Eastern', 'Pacific', 'Global', 'Royal', 'Star', 'Phoenix', 'Crane', 'Dragon', 'Lotus', 'Ocean', 'River',
  'Mountain', 'Tiger', 'Pearl', 'Harbor', 'Sun', 'Jade', 'Bamboo', 'Orient', 'Asia', 'Delta'];
const ACTIVITIES = ['Trading', 'Logistics', 'Import Export', 'Chemical', 'Textile', 'Electronics', 'Food', 'Machinery', 'Shipping', 'Industrial', 'Pharma', 'Metal'];
const SUFFIXES = ['Co., Ltd.', 'LLC', 'JSC', 'Pte. Ltd.', 'Corporation', 'Company Limited', 'Inc.', 'GmbH'];
const OWNERS = ['MSK', 'CSQ', 'TGH', 'MSC', 'CMA', 'HLX', 'OOL', 'EGH', 'YML', 'HMM', 'ONE', 'ZIM', 'APZ', 'TCL', 'SEG'];
const HS = ['841391', '293339', '850440', '610910', '030617', '870323', '300490', '847130', '392690', '940360'];

/** A deterministic generator (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
const word = (r: () => number) => { const w = pick(r, SYLLABLES) + pick(r, SYLLABLES) + (r() < 0.5 ? pick(r, SYLLABLES) : ''); return w[0]!.toUpperCase() + w.slice(1); };

interface Row { id: string; name: string; tin: string; container: string; hs: string; tlp: string; distribution: string; recipients: string[] }

function makeRow(r: () => number): Row {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40; b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  const first10 = `${pick(r, OWNERS)}U${String(Math.floor(r() * 1e6)).padStart(6, '0')}`;
  const x = r();
  const [tlp, distribution, recipients] = x < 0.6 ? ['GREEN', 'DOMESTIC_AGENCIES', []] : x < 0.75 ? ['AMBER', 'DOMESTIC_AGENCIES', []]
    : x < 0.85 ? ['GREEN', 'ORIGINATOR_ONLY', []] : x < 0.92 ? ['RED', 'DOMESTIC_AGENCIES', ['KR:NPA']] : ['AMBER', 'PARTNER_CUSTOMS', ['VN:GDVC']];
  return {
    id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
    name: `${word(r)} ${r() < 0.5 ? pick(r, WORDS) : word(r)} ${word(r)} ${pick(r, ACTIVITIES)} ${pick(r, SUFFIXES)}`,
    tin: String(Math.floor(r() * 1e10)).padStart(10, '0'),
    container: first10 + String(iso6346CheckDigit(first10)),
    hs: pick(r, HS), tlp: tlp as string, distribution: distribution as string, recipients: recipients as string[],
  };
}

async function seed(db: Database, n: number, sample: Row[]): Promise<number> {
  const started = Date.now();
  const r = rng(42);
  await db.exec('DROP INDEX risk_match_keys_names; DROP INDEX risk_match_keys_exact; DROP INDEX risk_match_keys_record');
  const BATCH = 5000;
  for (let done = 0; done < n; done += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, n - done) }, () => makeRow(r));
    if (sample.length < 200) sample.push(...rows.slice(0, 200 - sample.length));
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO risk_records (id, source_agency, version, status, category, risk_level, confidence, tlp, distribution, recipients, valid_from, valid_until, document)
         SELECT x.id, 'KR:MFDS', 1, 'ACTIVE', 'NARCOTICS', 'HIGH', 70, x.tlp, x.distribution,
                CASE WHEN x.rcp = '' THEN '{}'::text[] ELSE ARRAY[x.rcp] END, now() - interval '1 day', now() + interval '365 days',
                jsonb_build_object('documentType', 'risk.record', 'version', '1.0.0', 'recordId', x.id, 'sourceAgency', 'KR:MFDS',
                  'subjects', jsonb_build_array(
                    jsonb_build_object('kind', 'TRADER', 'trader', jsonb_build_object('name', x.name, 'identifiers', jsonb_build_array(jsonb_build_object('scheme', 'TIN', 'value', x.tin)))),
                    jsonb_build_object('kind', 'CONTAINER', 'containerNumber', x.container),
                    jsonb_build_object('kind', 'GOODS', 'goods', jsonb_build_object('hsCode', x.hs))),
                  'category', 'NARCOTICS', 'riskLevel', 'HIGH', 'confidence', 70, 'indicators', jsonb_build_array(jsonb_build_object('text', 'seeded')),
                  'status', 'ACTIVE', 'handling', jsonb_build_object('tlp', x.tlp, 'distribution', x.distribution))
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS x(id, name, tin, container, hs, tlp, distribution, rcp)`,
        [rows.map((x) => x.id), rows.map((x) => x.name), rows.map((x) => x.tin), rows.map((x) => x.container), rows.map((x) => x.hs),
          rows.map((x) => x.tlp), rows.map((x) => x.distribution), rows.map((x) => x.recipients[0] ?? '')]);
      await tx.query(
        `INSERT INTO risk_match_keys (record_id, kind, norm, value, pointer)
         SELECT x.id, k.kind, k.norm, k.value, k.pointer
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(id, name, nname, tin, container, hs)
         CROSS JOIN LATERAL (VALUES ('name', x.nname, x.name, '/subjects/0/trader/name'), ('identifier', x.tin, x.tin, '/subjects/0/trader/identifiers/0'),
                                    ('container', x.container, x.container, '/subjects/1/containerNumber'), ('hs', x.hs, x.hs, '/subjects/2/goods/hsCode')) AS k(kind, norm, value, pointer)`,
        [rows.map((x) => x.id), rows.map((x) => x.name), rows.map((x) => normaliseName(x.name)), rows.map((x) => normaliseIdentifier(x.tin)),
          rows.map((x) => x.container), rows.map((x) => x.hs)]);
    });
  }
  await db.exec(`CREATE INDEX risk_match_keys_exact ON risk_match_keys (kind, norm);
    CREATE INDEX risk_match_keys_record ON risk_match_keys (record_id);
    CREATE INDEX risk_match_keys_names ON risk_match_keys USING gin (norm public.gin_trgm_ops) WHERE kind = 'name';
    ANALYZE risk_records; ANALYZE risk_match_keys;`);
  return (Date.now() - started) / 1000;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Seed, measure, print. */
export async function run(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const arg = process.argv.indexOf('--records');
  const n = arg > 0 ? Number(process.argv[arg + 1]) : url ? 1_000_000 : 100_000;
  const json = process.argv.includes('--json');
  const schema = `bxg_bench_risk_${randomBytes(4).toString('hex')}`;
  let db: Database;
  let drop = async () => {};
  if (url) {
    const admin = await openDatabase({ databaseUrl: url, dataDir: 'unused', poolMax: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    await admin.close();
    db = await openDatabase({ databaseUrl: url, dataDir: 'unused', schema, poolMax: 4, statementTimeoutMs: 600_000 });
    drop = async () => {
      const a = await openDatabase({ databaseUrl: url, dataDir: 'unused', poolMax: 1 });
      await a.exec(`DROP SCHEMA ${schema} CASCADE`);
      await a.close();
    };
  } else {
    db = await openDatabase({ dataDir: 'memory://' });
  }
  try {
    await migrate(db);
    await db.query("INSERT INTO trust_parties (id, name, kind) VALUES ('KR:NPA', 'Police', 'domestic-agency'), ('KR:MFDS', 'MFDS', 'domestic-agency')");
    const sample: Row[] = [];
    const seconds = await seed(db, n, sample);
    const hasher = loadIdentifierHasher({ certsDir: mkdtempSync(join(tmpdir(), 'bxg-bench-risk-')) });
    const r = rng(7);
    // 10 parties (half of them seeded traders, with name variants), 5 containers (2 seeded).
    const consignment = () => ({
      parties: Array.from({ length: 10 }, (_, i) => {
        const s = pick(r, sample);
        return i % 2 === 0 ? { name: s.name.toUpperCase().replace(/ (Co\., Ltd\.|LLC|JSC)$/, ' Company Limited'), identifiers: [{ scheme: 'TIN', value: s.tin }] }
          : { name: `${word(r)} ${pick(r, WORDS)} ${word(r)} ${pick(r, ACTIVITIES)}`, identifiers: [{ scheme: 'TIN', value: String(Math.floor(r() * 1e10)) }] };
      }),
      containers: [pick(r, sample).container, pick(r, sample).container, ...Array.from({ length: 3 }, () => {
        const f = `${pick(r, OWNERS)}U${String(Math.floor(r() * 1e6)).padStart(6, '0')}`; return f + String(iso6346CheckDigit(f));
      })],
    });
    const times: number[] = [];
    let matches = 0;
    for (let i = 0; i < 20; i++) await db.transaction((tx) => screenConsignment(tx, 'KR:NPA', consignment(), hasher));
    for (let i = 0; i < 300; i++) {
      const c = consignment();
      const t0 = process.hrtime.bigint();
      const res = await db.transaction((tx) => screenConsignment(tx, 'KR:NPA', c, hasher));
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      matches += res.matchCount;
    }
    const ids = sample.filter((s) => s.distribution === 'DOMESTIC_AGENCIES').map((s) => s.id);
    let k = 0;
    const lookup = await measure(() => db.transaction((tx) => getRiskRecord(tx, ids[k++ % ids.length]!, 'KR:NPA')), 3000, 100);
    const out = {
      database: db.kind, records: n, seedSeconds: Math.round(seconds),
      screen: { runs: times.length, p50ms: +percentile(times, 50).toFixed(2), p99ms: +percentile(times, 99).toFixed(2), meanMatches: +(matches / times.length).toFixed(2) },
      lookupPerSecond: Math.round(lookup.perSecond),
    };
    if (json) console.log(JSON.stringify(out));
    else {
      console.log(`${out.database}, ${n.toLocaleString('en')} records (seeded in ${out.seedSeconds} s)`);
      console.log(`screening 10 parties + 5 containers: p50 ${out.screen.p50ms} ms, p99 ${out.screen.p99ms} ms over ${out.screen.runs} runs (${out.screen.meanMatches} matches each on average)`);
      console.log(`single-record lookup (visibility + read recorded): ${out.lookupPerSecond}/s`);
    }
  } finally {
    await db.close();
    await drop();
  }
}
