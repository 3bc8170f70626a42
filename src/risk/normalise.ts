/**
 * Normal forms that screening compares (docs/risk.md, "Screening"). The same functions
 * normalise what a record holds and what a consignment brings, so SQL only compares.
 */

/** Upper case, every space and punctuation mark removed: `ab-12 345` → `AB12345`. */
export function normaliseIdentifier(value: string): string {
  return value.normalize('NFKC').toUpperCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

// Letters NFD does not split into a base letter and a mark.
const FOLD: Record<string, string> = { 'đ': 'd', 'ð': 'd', 'ø': 'o', 'ł': 'l', 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ı': 'i', 'þ': 'th' };

// Legal-form words and their usual abbreviations: "Golden Crane Trading Co., Ltd." and
// "GOLDEN CRANE TRADING LIMITED" are the same trader.
const COMPANY_WORDS = new Set([
  'co', 'company', 'ltd', 'limited', 'llc', 'inc', 'incorporated', 'corp', 'corporation', 'plc', 'jsc', 'pte', 'pty',
  'gmbh', 'ag', 'sa', 'sarl', 'srl', 'spa', 'bv', 'nv', 'kg', 'llp', 'lp', 'oy', 'ab', 'as', 'kk', 'tnhh', 'cong', 'ty',
  'jointstock', 'joint', 'stock', 'sdn', 'bhd', 'tbk', 'pt', 'cv',
]);

/**
 * A name for trigram comparison: diacritics folded (Nguyễn → nguyen), lower case, punctuation
 * to spaces, legal-form words (Co., Ltd., LLC, JSC, Công ty TNHH …) dropped, spaces collapsed.
 * Word order is left as is: trigram similarity does not depend on it.
 */
export function normaliseName(name: string): string {
  const folded = name.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[đðøłßæœıþ]/g, (c) => FOLD[c] ?? c);
  const words = folded.replace(/&/g, ' and ').split(/[^\p{L}\p{N}]+/u).filter((w) => w && !COMPANY_WORDS.has(w));
  // A name made only of legal-form words keeps them rather than becoming empty.
  return (words.length ? words : folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean)).join(' ');
}

/**
 * The canonical input of a traveller identifier's keyed hash: `SCHEME:VALUE`, both normalised
 * (`passport`, `m 1234-5678` → `PASSPORT:M12345678`). Agencies hash the same way (through
 * POST /v1/risk/traveller-hashes) so hashes match.
 */
export function travellerCanonical(scheme: string, value: string): string {
  return `${normaliseIdentifier(scheme)}:${normaliseIdentifier(value)}`;
}

/** ISO 6346 container number without spaces or dashes, upper case. */
export function normaliseContainer(value: string): string {
  return normaliseIdentifier(value);
}

/** An IMO number as `IMO` + 7 digits; a bare 7-digit number gets the prefix. */
export function normaliseImo(value: string): string {
  const n = normaliseIdentifier(value);
  return /^\d{7}$/.test(n) ? `IMO${n}` : n;
}
