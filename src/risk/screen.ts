import type { Queryable } from '../db/index.ts';
import type { IdentifierHasher } from '../pki/index.ts';
import { imoCheckDigit, iso6346CheckDigit } from '../standards/index.ts';
import { normaliseContainer, normaliseIdentifier, normaliseImo, normaliseName, travellerCanonical } from './normalise.ts';
import { recordReads } from './reads.ts';
import type { RiskRecordDocument, Tlp } from './types.ts';

/** Trigram similarity at or above which two normalised names match (pg_trgm on both databases). */
export const NAME_SIMILARITY_THRESHOLD = 0.45;

/** A consignment to screen (the body of POST /v1/risk/screen). */
export interface Consignment {
  parties?: { role?: string; name?: string; country?: string; identifiers?: { scheme: string; value: string }[]; aeoId?: string }[];
  travellers?: { identifiers: { scheme: string; value: string }[] }[];
  containers?: string[];
  conveyance?: { imoNumber?: string; flightNumber?: string };
  transportDocumentNumber?: string;
  trackingNumbers?: string[];
  hsCodes?: string[];
  countries?: string[];
}

/** A number in the consignment that failed its check (reported, never matched). */
export interface ScreenCheck {
  path: string;
  value: string;
  code: 'container.format' | 'container.check-digit' | 'imo.format' | 'imo.check-digit';
  message: string;
}

/** Why a record matched. */
export interface MatchReason {
  kind: 'exact-identifier' | 'normalised-identifier' | 'name-similarity' | 'hs-prefix' | 'country';
  /** What was compared: identifier, container, imo, flight, transport-document, tracking, traveller, name, hs, country. */
  field: string;
  /** JSON Pointer into the request. */
  input: string;
  /** JSON Pointer into the record's document. */
  subject: string;
  /** The compared value as the record holds it (absent for travellers: hashes are not shown). */
  value?: string;
  /** Name similarity (0..1). */
  score?: number;
}

/** One matching record. */
export interface ScreenMatch {
  recordId: string;
  version: number;
  category: string;
  riskLevel: string;
  confidence: number;
  tlp: Tlp;
  sourceAgency: string;
  validUntil: string;
  reasons: MatchReason[];
}

/** The answer of a screening. */
export interface ScreenResult {
  matchCount: number;
  matches: ScreenMatch[];
  checks: ScreenCheck[];
}

interface Probe { kind: string; norm: string; input: string; raw?: string }

function checkContainer(raw: string, path: string, checks: ScreenCheck[]): string | undefined {
  const n = normaliseContainer(raw);
  if (!/^[A-Z]{3}[UJZ][0-9]{7}$/.test(n)) {
    checks.push({ path, value: raw, code: 'container.format', message: 'not an ISO 6346 container number (3-letter owner code, U/J/Z, 6 digits, check digit)' });
    return undefined;
  }
  const expected = iso6346CheckDigit(n.slice(0, 10));
  if (expected !== Number(n[10])) {
    checks.push({ path, value: raw, code: 'container.check-digit', message: `ISO 6346 check digit is ${n[10]}, expected ${expected}: not matched` });
    return undefined;
  }
  return n;
}

function checkImo(raw: string, path: string, checks: ScreenCheck[]): string | undefined {
  const n = normaliseImo(raw);
  if (!/^IMO[0-9]{7}$/.test(n)) {
    checks.push({ path, value: raw, code: 'imo.format', message: 'not an IMO ship number (IMO and 7 digits)' });
    return undefined;
  }
  const expected = imoCheckDigit(n.slice(3, 9));
  if (expected !== Number(n[9])) {
    checks.push({ path, value: raw, code: 'imo.check-digit', message: `IMO check digit is ${n[9]}, expected ${expected}: not matched` });
    return undefined;
  }
  return n;
}

const LEVEL_RANK: Record<string, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1 };

interface Row {
  record_id: string; kind: string; value: string; pointer: string; probe: number; branch: string; score: number | null;
  version: number; category: string; risk_level: string; confidence: number; tlp: Tlp; source_agency: string;
  valid_until: Date | string; document: RiskRecordDocument | string;
}

/**
 * Screen a consignment for `party`: the visible, active, in-validity records that match, each
 * with why; numbers whose check digit fails are reported in `checks` and not matched. Reads of
 * restricted records among the matches are recorded in `tx`.
 */
export async function screenConsignment(tx: Queryable, party: string, c: Consignment, hasher: IdentifierHasher): Promise<ScreenResult> {
  const checks: ScreenCheck[] = [];
  const exact: Probe[] = [];
  const names: Probe[] = [];
  const hs: Probe[] = [];
  c.parties?.forEach((p, i) => {
    if (p.name) {
      const n = normaliseName(p.name);
      if (n) names.push({ kind: 'name', norm: n, input: `/parties/${i}/name` });
    }
    p.identifiers?.forEach((id, j) => exact.push({ kind: 'identifier', norm: normaliseIdentifier(id.value), raw: id.value, input: `/parties/${i}/identifiers/${j}/value` }));
    if (p.aeoId) exact.push({ kind: 'identifier', norm: normaliseIdentifier(p.aeoId), raw: p.aeoId, input: `/parties/${i}/aeoId` });
  });
  c.travellers?.forEach((t, i) => t.identifiers.forEach((id, j) => exact.push({
    // Only the keyed hash goes to the database; the clear identifier stays in this process.
    kind: 'traveller', norm: `${hasher.keyId}:${hasher.hash(travellerCanonical(id.scheme, id.value))}`, input: `/travellers/${i}/identifiers/${j}`,
  })));
  c.containers?.forEach((raw, i) => {
    const n = checkContainer(raw, `/containers/${i}`, checks);
    if (n) exact.push({ kind: 'container', norm: n, raw, input: `/containers/${i}` });
  });
  if (c.conveyance?.imoNumber) {
    const n = checkImo(c.conveyance.imoNumber, '/conveyance/imoNumber', checks);
    if (n) exact.push({ kind: 'imo', norm: n, raw: c.conveyance.imoNumber, input: '/conveyance/imoNumber' });
  }
  if (c.conveyance?.flightNumber) exact.push({ kind: 'flight', norm: normaliseIdentifier(c.conveyance.flightNumber), raw: c.conveyance.flightNumber, input: '/conveyance/flightNumber' });
  if (c.transportDocumentNumber) exact.push({ kind: 'transport-document', norm: normaliseIdentifier(c.transportDocumentNumber), raw: c.transportDocumentNumber, input: '/transportDocumentNumber' });
  c.trackingNumbers?.forEach((t, i) => exact.push({ kind: 'tracking', norm: normaliseIdentifier(t), raw: t, input: `/trackingNumbers/${i}` }));
  c.hsCodes?.forEach((code, i) => {
    const digits = code.replace(/\D/g, '');
    if (digits.length >= 4) hs.push({ kind: 'hs', norm: digits.slice(0, digits.length >= 6 ? 6 : 4), raw: code, input: `/hsCodes/${i}` });
  });
  const empty = !exact.length && !names.length && !hs.length;
  if (empty) return { matchCount: 0, matches: [], checks };

  await tx.query(`SET LOCAL pg_trgm.similarity_threshold = ${NAME_SIMILARITY_THRESHOLD}`);
  const hs6 = hs.filter((p) => p.norm.length === 6);
  const hs4 = hs.filter((p) => p.norm.length === 4);
  const { rows } = await tx.query<Row>(
    `SELECT m.record_id, m.kind, m.value, m.pointer, m.probe::int AS probe, m.branch, m.score,
            v.version, v.category, v.risk_level, v.confidence, v.tlp, v.source_agency, v.valid_until, v.document
     FROM (
       SELECT k.record_id, k.kind, k.value, k.pointer, p.idx AS probe, 'exact' AS branch, NULL::real AS score
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(kind, norm, idx)
         JOIN risk_match_keys k ON k.kind = p.kind AND k.norm = p.norm
       UNION ALL
       SELECT k.record_id, k.kind, k.value, k.pointer, p.idx, 'name', public.similarity(k.norm, p.norm)
         FROM unnest($4::text[]) WITH ORDINALITY AS p(norm, idx)
         JOIN risk_match_keys k ON k.kind = 'name' AND k.norm OPERATOR(public.%) p.norm
       UNION ALL
       SELECT k.record_id, k.kind, k.value, k.pointer, p.idx, 'hs6', NULL
         FROM unnest($5::text[]) WITH ORDINALITY AS p(code, idx)
         JOIN risk_match_keys k ON k.kind = 'hs' AND k.norm = p.code
       UNION ALL
       SELECT k.record_id, k.kind, k.value, k.pointer, p.idx, 'hs4', NULL
         FROM unnest($6::text[]) WITH ORDINALITY AS p(code, idx)
         JOIN risk_match_keys k ON k.kind = 'hs' AND left(k.norm, 4) = p.code
     ) m
     JOIN risk_visible_records($1) v ON v.id = m.record_id
     WHERE v.status = 'ACTIVE' AND v.valid_from <= now() AND v.valid_until > now()`,
    [party, exact.map((p) => p.kind), exact.map((p) => p.norm), names.map((p) => p.norm), hs6.map((p) => p.norm), hs4.map((p) => p.norm)]);

  const byRecord = new Map<string, ScreenMatch & { doc: RiskRecordDocument; nameParties: Set<number> }>();
  for (const r of rows) {
    let m = byRecord.get(r.record_id);
    if (!m) {
      m = {
        recordId: r.record_id, version: r.version, category: r.category, riskLevel: r.risk_level, confidence: r.confidence, tlp: r.tlp,
        sourceAgency: r.source_agency, validUntil: new Date(r.valid_until).toISOString(), reasons: [],
        doc: typeof r.document === 'string' ? (JSON.parse(r.document) as RiskRecordDocument) : r.document, nameParties: new Set(),
      };
      byRecord.set(r.record_id, m);
    }
    const idx = Number(r.probe) - 1;
    if (r.branch === 'exact') {
      const p = exact[idx]!;
      const traveller = r.kind === 'traveller';
      m.reasons.push({
        // A traveller's hash matched exactly (the clear identifiers were normalised before hashing).
        kind: traveller || p.raw === r.value ? 'exact-identifier' : 'normalised-identifier',
        field: r.kind, input: p.input, subject: r.pointer, ...(traveller ? {} : { value: r.value }),
      });
    } else if (r.branch === 'name') {
      const p = names[idx]!;
      m.reasons.push({ kind: 'name-similarity', field: 'name', input: p.input, subject: r.pointer, value: r.value, score: Math.round(Number(r.score) * 1000) / 1000 });
      m.nameParties.add(Number(p.input.split('/')[2]));
    } else {
      const p = (r.branch === 'hs6' ? hs6 : hs4)[idx]!;
      m.reasons.push({ kind: 'hs-prefix', field: 'hs', input: p.input, subject: r.pointer, value: r.value });
    }
  }
  // Country corroborates a name match: the trader's address country is the party's or the consignment's.
  for (const m of byRecord.values()) {
    if (!m.nameParties.size) continue;
    m.doc.subjects.forEach((s, i) => {
      const country = s.trader?.address?.country;
      if (!country) return;
      for (const pi of m.nameParties) {
        if (c.parties?.[pi]?.country === country) {
          m.reasons.push({ kind: 'country', field: 'country', input: `/parties/${pi}/country`, subject: `/subjects/${i}/trader/address/country`, value: country });
          return;
        }
      }
      const ci = c.countries?.indexOf(country) ?? -1;
      if (ci >= 0) m.reasons.push({ kind: 'country', field: 'country', input: `/countries/${ci}`, subject: `/subjects/${i}/trader/address/country`, value: country });
    });
  }
  const matches = [...byRecord.values()]
    .sort((a, b) => (LEVEL_RANK[b.riskLevel] ?? 0) - (LEVEL_RANK[a.riskLevel] ?? 0) || b.confidence - a.confidence || a.recordId.localeCompare(b.recordId))
    // Reasons in a stable order: by where in the request, then the record, then the kind.
    .map(({ doc: _doc, nameParties: _n, ...m }) => ({ ...m, reasons: m.reasons.sort((a, b) => a.input.localeCompare(b.input) || a.subject.localeCompare(b.subject) || a.kind.localeCompare(b.kind)) }));
  await recordReads(tx, party, 'screen', matches.map((m) => ({ id: m.recordId, version: m.version, tlp: m.tlp })));
  return { matchCount: matches.length, matches, checks };
}
