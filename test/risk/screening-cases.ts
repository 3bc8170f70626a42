/*
 * The fixed screening set (issue 12): seeded records and ≥ 40 consignments with the records
 * each must match and why. Used by test/risk/screening.test.ts on both databases.
 */
import { iso6346CheckDigit } from '../../src/standards/index.ts';

/** A container number with its ISO 6346 check digit appended. */
export const cn = (first10: string) => first10 + String(iso6346CheckDigit(first10));

/** Seeded records by key: contributor, subjects, handling, level; `state` for special cases. */
export interface Seed {
  by: string;
  subjects: unknown[];
  handling?: Record<string, unknown>;
  riskLevel?: string;
  category?: string;
  state?: 'withdrawn' | 'expired' | 'future';
}

const trader = (name: string, extra: Record<string, unknown> = {}) => ({ kind: 'TRADER', trader: { name, ...extra } });

/** Travellers' passports (clear here: the test turns them into hashes through the API). */
export const TRAVELLER_PASSPORT = 'M12345678';

export const SEEDS: Record<string, Seed> = {
  golden: {
    by: 'KR:MFDS', riskLevel: 'CRITICAL',
    subjects: [trader('Golden Crane Trading Co., Ltd.', { identifiers: [{ scheme: 'TIN', value: '0312345678' }], aeoId: 'VN0312345678', address: { streetLines: ['12 Nguyen Hue'], city: 'Ho Chi Minh City', country: 'VN' } })],
  },
  nguyen: { by: 'KR:MFDS', subjects: [trader('Công ty TNHH Thương mại Nguyễn Văn Hùng', { address: { streetLines: ['1 Le Loi'], city: 'Hanoi', country: 'VN' } })] },
  rashid: { by: 'KR:APQA', subjects: [trader('Mohammed Al-Rashid General Trading LLC', { address: { streetLines: ['Street 5'], city: 'Doha', country: 'QA' } })] },
  hanbit: { by: 'KR:MFDS', riskLevel: 'LOW', subjects: [trader('Hanbit Chemical Co., Ltd.', { identifiers: [{ scheme: 'BRN', value: '123-45-67890' }] })] },
  dragon: { by: 'KR:MFDS', subjects: [trader('Silver Dragon Logistics Pte. Ltd.')] },
  container: { by: 'KR:MFDS', riskLevel: 'HIGH', subjects: [{ kind: 'CONTAINER', containerNumber: 'CSQU3054383' }] },
  vessel: { by: 'KR:MFDS', subjects: [{ kind: 'CONVEYANCE', conveyance: { imoNumber: 'IMO9074729' } }] },
  flight: { by: 'KR:MFDS', subjects: [{ kind: 'CONVEYANCE', conveyance: { flightNumber: 'KE124' } }] },
  billOfLading: { by: 'KR:MFDS', subjects: [{ kind: 'CONSIGNMENT', transportDocumentNumber: 'MAEU240312345' }] },
  parcel: { by: 'KR:MFDS', subjects: [{ kind: 'POSTAL_ITEM', trackingNumber: 'EE123456785VN' }] },
  pumps: { by: 'KR:MFDS', category: 'NARCOTICS', subjects: [{ kind: 'GOODS', goods: { hsCode: '841391', description: 'Pump housings' } }] },
  precursor: { by: 'KR:MFDS', category: 'STRATEGIC_GOODS', subjects: [{ kind: 'GOODS', goods: { hsCode: '293339' } }] },
  traveller: { by: 'KR:MFDS', subjects: [] /* filled with the hash at seeding */ },
  withdrawn: { by: 'KR:MFDS', state: 'withdrawn', subjects: [{ kind: 'CONTAINER', containerNumber: cn('TGHU123456') }] },
  expired: { by: 'KR:MFDS', state: 'expired', subjects: [{ kind: 'CONTAINER', containerNumber: cn('TGHU223456') }] },
  future: { by: 'KR:MFDS', state: 'future', subjects: [{ kind: 'CONTAINER', containerNumber: cn('TGHU323456') }] },
  hidden: { by: 'KR:APQA', handling: { tlp: 'GREEN', distribution: 'ORIGINATOR_ONLY' }, subjects: [{ kind: 'CONTAINER', containerNumber: cn('APZU423456') }, trader('Hidden Orchid Exports')] },
  red: { by: 'KR:MFDS', handling: { tlp: 'RED', distribution: 'DOMESTIC_AGENCIES', recipients: ['KR:NPA'] }, subjects: [{ kind: 'CONTAINER', containerNumber: cn('REDU523456') }] },
};

/** One case: who screens what, and the records (by seed key) with their reasons' kinds. */
export interface ScreenCase {
  name: string;
  as?: string;
  consignment: Record<string, unknown>;
  /** Seed key → the reason kinds expected (sorted), and the name score when there is one. */
  expect: Record<string, { reasons: string[]; score?: number }>;
  checks?: string[];
}

const party = (p: Record<string, unknown>) => ({ parties: [p] });

export const CASES: ScreenCase[] = [
  // Identifiers: exact and normalised.
  { name: 'TIN exact', consignment: party({ identifiers: [{ scheme: 'TIN', value: '0312345678' }] }), expect: { golden: { reasons: ['exact-identifier'] } } },
  { name: 'TIN with dashes', consignment: party({ identifiers: [{ scheme: 'TIN', value: '0312-345-678' }] }), expect: { golden: { reasons: ['normalised-identifier'] } } },
  { name: 'TIN with spaces', consignment: party({ identifiers: [{ scheme: 'TIN', value: ' 0312 345 678 ' }] }), expect: { golden: { reasons: ['normalised-identifier'] } } },
  { name: 'AEO id exact', consignment: party({ aeoId: 'VN0312345678' }), expect: { golden: { reasons: ['exact-identifier'] } } },
  { name: 'AEO id lower case', consignment: party({ aeoId: 'vn0312345678' }), expect: { golden: { reasons: ['normalised-identifier'] } } },
  { name: 'BRN normalised', consignment: party({ identifiers: [{ scheme: 'BRN', value: '1234567890' }] }), expect: { hanbit: { reasons: ['normalised-identifier'] } } },
  { name: 'unknown identifier', consignment: party({ identifiers: [{ scheme: 'TIN', value: '0312345679' }] }), expect: {} },
  // Names: company suffixes, word order, transliteration, typos, country.
  { name: 'name as recorded', consignment: party({ name: 'Golden Crane Trading Co., Ltd.' }), expect: { golden: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'name with "Company Limited"', consignment: party({ name: 'GOLDEN CRANE TRADING COMPANY LIMITED' }), expect: { golden: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'name with JSC', consignment: party({ name: 'Golden Crane Trading JSC' }), expect: { golden: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'word order', consignment: party({ name: 'Crane Golden Trading Co Ltd' }), expect: { golden: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'typo in a word', consignment: party({ name: 'Golden Crain Trading Co., Ltd' }), expect: { golden: { reasons: ['name-similarity'], score: 0.75 } } },
  { name: 'name and the same country', consignment: party({ name: 'Golden Crane Trading Ltd', country: 'VN' }), expect: { golden: { reasons: ['country', 'name-similarity'], score: 1 } } },
  { name: 'name and another country', consignment: party({ name: 'Golden Crane Trading Ltd', country: 'KR' }), expect: { golden: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'name and a consignment country', consignment: { parties: [{ name: 'Golden Crane Trading' }], countries: ['CN', 'VN'] }, expect: { golden: { reasons: ['country', 'name-similarity'], score: 1 } } },
  { name: 'another trader sharing a word', consignment: party({ name: 'Silver Crane Shipping Co., Ltd.' }), expect: {} },
  { name: 'Vietnamese without diacritics', consignment: party({ name: 'Cong ty TNHH Thuong mai Nguyen Van Hung' }), expect: { nguyen: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'Vietnamese, words reordered', consignment: party({ name: 'NGUYEN VAN HUNG THUONG MAI' }), expect: { nguyen: { reasons: ['name-similarity'], score: 1 } } },
  { name: 'Vietnamese, part of the name', consignment: party({ name: 'Nguyen Van Hung Trading' }), expect: { nguyen: { reasons: ['name-similarity'], score: 0.531 } } },
  { name: 'Arabic transliteration Muhammad / Al Rashid', consignment: party({ name: 'Muhammad Al Rashid General Trading' }), expect: { rashid: { reasons: ['name-similarity'], score: 0.7 } } },
  { name: 'Arabic transliteration Mohamed Alrashid L.L.C.', consignment: party({ name: 'Mohamed Alrashid General Trading L.L.C.' }), expect: { rashid: { reasons: ['name-similarity'], score: 0.732 } } },
  { name: 'Arabic transliteration Al-Rasheed', consignment: party({ name: 'Mohammad Al-Rasheed General Trading' }), expect: { rashid: { reasons: ['name-similarity'], score: 0.725 } } },
  { name: 'unrelated name', consignment: party({ name: 'Blue Ocean Fisheries' }), expect: {} },
  { name: 'only legal-form words', consignment: party({ name: 'Co., Ltd.' }), expect: {} },
  // Containers and conveyances: check digits reported, never matched.
  { name: 'container exact', consignment: { containers: ['CSQU3054383'] }, expect: { container: { reasons: ['exact-identifier'] } } },
  { name: 'container with space and dash', consignment: { containers: ['CSQU 305438-3'] }, expect: { container: { reasons: ['normalised-identifier'] } } },
  { name: 'container lower case', consignment: { containers: ['csqu3054383'] }, expect: { container: { reasons: ['normalised-identifier'] } } },
  { name: 'container wrong check digit', consignment: { containers: ['CSQU3054384'] }, expect: {}, checks: ['container.check-digit'] },
  { name: 'container malformed', consignment: { containers: ['CSQ3054383'] }, expect: {}, checks: ['container.format'] },
  { name: 'IMO exact', consignment: { conveyance: { imoNumber: 'IMO9074729' } }, expect: { vessel: { reasons: ['exact-identifier'] } } },
  { name: 'IMO without prefix', consignment: { conveyance: { imoNumber: '9074729' } }, expect: { vessel: { reasons: ['normalised-identifier'] } } },
  { name: 'IMO with a space', consignment: { conveyance: { imoNumber: 'IMO 9074729' } }, expect: { vessel: { reasons: ['normalised-identifier'] } } },
  { name: 'IMO wrong check digit', consignment: { conveyance: { imoNumber: 'IMO9074728' } }, expect: {}, checks: ['imo.check-digit'] },
  { name: 'flight exact', consignment: { conveyance: { flightNumber: 'KE124' } }, expect: { flight: { reasons: ['exact-identifier'] } } },
  { name: 'flight with a space', consignment: { conveyance: { flightNumber: 'ke 124' } }, expect: { flight: { reasons: ['normalised-identifier'] } } },
  { name: 'bill of lading exact', consignment: { transportDocumentNumber: 'MAEU240312345' }, expect: { billOfLading: { reasons: ['exact-identifier'] } } },
  { name: 'bill of lading normalised', consignment: { transportDocumentNumber: 'maeu-240312345' }, expect: { billOfLading: { reasons: ['normalised-identifier'] } } },
  { name: 'tracking number', consignment: { trackingNumbers: ['EE123456785VN'] }, expect: { parcel: { reasons: ['exact-identifier'] } } },
  // HS codes.
  { name: 'HS 10-digit national code', consignment: { hsCodes: ['8413910000'] }, expect: { pumps: { reasons: ['hs-prefix'] } } },
  { name: 'HS with a dot', consignment: { hsCodes: ['8413.91'] }, expect: { pumps: { reasons: ['hs-prefix'] } } },
  { name: 'HS 4-digit heading', consignment: { hsCodes: ['8413'] }, expect: { pumps: { reasons: ['hs-prefix'] } } },
  { name: 'HS another subheading', consignment: { hsCodes: ['841392'] }, expect: {} },
  { name: 'HS another heading', consignment: { hsCodes: ['8414'] }, expect: {} },
  { name: 'HS two codes', consignment: { hsCodes: ['841391', '29333900'] }, expect: { pumps: { reasons: ['hs-prefix'] }, precursor: { reasons: ['hs-prefix'] } } },
  // Travellers (keyed hashes).
  { name: 'traveller passport', consignment: { travellers: [{ identifiers: [{ scheme: 'PASSPORT', value: TRAVELLER_PASSPORT }] }] }, expect: { traveller: { reasons: ['exact-identifier'] } } },
  { name: 'traveller passport, spaced', consignment: { travellers: [{ identifiers: [{ scheme: 'passport', value: 'm 1234 5678' }] }] }, expect: { traveller: { reasons: ['exact-identifier'] } } },
  { name: 'traveller, another passport', consignment: { travellers: [{ identifiers: [{ scheme: 'PASSPORT', value: 'M12345679' }] }] }, expect: {} },
  { name: 'traveller, same number under another scheme', consignment: { travellers: [{ identifiers: [{ scheme: 'NATIONAL_ID', value: TRAVELLER_PASSPORT }] }] }, expect: {} },
  // Status, validity and visibility.
  { name: 'withdrawn record never matches', consignment: { containers: [cn('TGHU123456')] }, expect: {} },
  { name: 'expired record never matches', consignment: { containers: [cn('TGHU223456')] }, expect: {} },
  { name: 'record not yet valid does not match', consignment: { containers: [cn('TGHU323456')] }, expect: {} },
  { name: 'invisible record: not matched, not counted', consignment: { containers: [cn('APZU423456')], parties: [{ name: 'Hidden Orchid Exports' }] }, expect: {} },
  { name: 'the contributor sees its own originator-only record', as: 'KR:APQA', consignment: { containers: [cn('APZU423456')] }, expect: { hidden: { reasons: ['exact-identifier'] } } },
  { name: 'RED record, named recipient', as: 'KR:NPA', consignment: { containers: [cn('REDU523456')] }, expect: { red: { reasons: ['exact-identifier'] } } },
  { name: 'RED record, not named', as: 'KR:APQA', consignment: { containers: [cn('REDU523456')] }, expect: {} },
  { name: 'RED record, partner not named', as: 'VN:GDVC', consignment: { containers: [cn('REDU523456'), 'CSQU3054383'] }, expect: {} },
  // Several subjects at once.
  {
    name: 'a consignment hitting several records',
    consignment: {
      parties: [{ name: 'Golden Crane Trading', country: 'VN', identifiers: [{ scheme: 'TIN', value: '0312345678' }] }, { name: 'Hanbit Chemical' }],
      containers: ['CSQU3054383', 'CSQU3054384'], conveyance: { imoNumber: '9074729' }, hsCodes: ['9999'],
    },
    expect: {
      golden: { reasons: ['country', 'exact-identifier', 'name-similarity'], score: 1 }, hanbit: { reasons: ['name-similarity'], score: 1 },
      container: { reasons: ['exact-identifier'] }, vessel: { reasons: ['normalised-identifier'] },
    },
    checks: ['container.check-digit'],
  },
  { name: 'an empty consignment', consignment: {}, expect: {} },
];
