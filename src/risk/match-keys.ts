import { normaliseContainer, normaliseIdentifier, normaliseImo, normaliseName } from './normalise.ts';
import type { RiskRecordDocument } from './types.ts';

/** One thing screening can compare, taken from a record's subjects. */
export interface MatchKey {
  kind: 'identifier' | 'name' | 'container' | 'imo' | 'flight' | 'transport-document' | 'tracking' | 'traveller' | 'hs';
  /** What is compared (normalised; for travellers `keyId:hash`). */
  norm: string;
  /** The value as the record gives it (for travellers the hash, never a clear identifier). */
  value: string;
  /** JSON Pointer into the record. */
  pointer: string;
}

/** The match keys of a record's current version. */
export function matchKeys(doc: RiskRecordDocument): MatchKey[] {
  const keys: MatchKey[] = [];
  doc.subjects.forEach((s, i) => {
    const at = `/subjects/${i}`;
    if (s.trader) {
      const t = s.trader;
      if (t.name) keys.push({ kind: 'name', norm: normaliseName(t.name), value: t.name, pointer: `${at}/trader/name` });
      t.identifiers?.forEach((id, j) => keys.push({ kind: 'identifier', norm: normaliseIdentifier(id.value), value: id.value, pointer: `${at}/trader/identifiers/${j}` }));
      if (t.aeoId) keys.push({ kind: 'identifier', norm: normaliseIdentifier(t.aeoId), value: t.aeoId, pointer: `${at}/trader/aeoId` });
    }
    if (s.transportDocumentNumber) {
      keys.push({ kind: 'transport-document', norm: normaliseIdentifier(s.transportDocumentNumber), value: s.transportDocumentNumber, pointer: `${at}/transportDocumentNumber` });
    }
    if (s.containerNumber) keys.push({ kind: 'container', norm: normaliseContainer(s.containerNumber), value: s.containerNumber, pointer: `${at}/containerNumber` });
    if (s.conveyance?.imoNumber) keys.push({ kind: 'imo', norm: normaliseImo(s.conveyance.imoNumber), value: s.conveyance.imoNumber, pointer: `${at}/conveyance/imoNumber` });
    if (s.conveyance?.flightNumber) keys.push({ kind: 'flight', norm: normaliseIdentifier(s.conveyance.flightNumber), value: s.conveyance.flightNumber, pointer: `${at}/conveyance/flightNumber` });
    if (s.trackingNumber) keys.push({ kind: 'tracking', norm: normaliseIdentifier(s.trackingNumber), value: s.trackingNumber, pointer: `${at}/trackingNumber` });
    s.traveller?.identifierHashes.forEach((h, j) => keys.push({
      kind: 'traveller', norm: `${h.keyId}:${h.value}`, value: h.value, pointer: `${at}/traveller/identifierHashes/${j}`,
    }));
    if (s.goods?.hsCode) keys.push({ kind: 'hs', norm: s.goods.hsCode, value: s.goods.hsCode, pointer: `${at}/goods/hsCode` });
  });
  return keys;
}
