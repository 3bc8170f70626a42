import { fail, type RuleFn } from './types.ts';
import { compareDates, has, list, obj, repeatedIndices, str } from './helpers.ts';
import { isValidImoNumber } from './check-digits.ts';

/*
 * e-CO rules (eco.certificate, eco.status, eco.verification-request, eco.verification-response),
 * as stated in standards/eco.*\/1.0.0/rules.json. Each runs only on a schema-valid document.
 */

/** ECO-R001: goods item numbers are 1, 2, 3, … in array order. */
const R001: RuleFn = (d) =>
  list(d.goodsItems).flatMap((item, i) => obj(item)?.itemNumber === i + 1 ? [] : [fail(`/goodsItems/${i}/itemNumber`, `item number must be ${i + 1} (items are numbered 1, 2, 3, … in order)`)]);

/** ECO-R002: RVC needs a percentage; other criteria must not carry one. */
const R002: RuleFn = (d) =>
  list(d.goodsItems).flatMap((item, i) => {
    const it = obj(item);
    if (!it) return [];
    if (!has(it, 'originCriterion')) return has(it, 'rvcPercentage') ? [fail(`/goodsItems/${i}/originCriterion`, 'a percentage is given without an RVC origin criterion')] : [];
    if (it.originCriterion === 'RVC' && !has(it, 'rvcPercentage')) return [fail(`/goodsItems/${i}/rvcPercentage`, 'origin criterion RVC needs rvcPercentage')];
    if (it.originCriterion !== 'RVC' && has(it, 'rvcPercentage')) return [fail(`/goodsItems/${i}/rvcPercentage`, `origin criterion ${String(it.originCriterion)} must not carry rvcPercentage`)];
    return [];
  });

/** ECO-R003: exporting country differs from importing country. */
const R003: RuleFn = (d) =>
  d.exportingCountry === d.importingCountry ? [fail('/importingCountry', 'the importing country must differ from the exporting country')] : [];

/** ECO-R004: validUntil is later than issueDate. */
const R004: RuleFn = (d) => {
  const v = str(d.validUntil), i = str(d.issueDate);
  return v && i && compareDates(v, i) <= 0 ? [fail('/validUntil', 'validUntil must be a later date than issueDate')] : [];
};

/** ECO-R005: issued after departure → issuedRetroactively true. */
const R005: RuleFn = (d) => {
  const dep = str(obj(d.transport)?.departureDate), issue = str(d.issueDate);
  if (!dep || !issue || compareDates(issue, dep) <= 0) return [];
  return d.issuedRetroactively === true ? [] : [fail('/issuedRetroactively', 'issued after departure: issuedRetroactively must be true')];
};

/** ECO-R006: HS chapter 01–97, not 77. */
const R006: RuleFn = (d) =>
  list(d.goodsItems).flatMap((item, i) => {
    const hs = str(obj(item)?.hsCode);
    if (!hs) return [];
    const ch = Number(hs.slice(0, 2));
    return ch >= 1 && ch <= 97 && ch !== 77 ? [] : [fail(`/goodsItems/${i}/hsCode`, `HS chapter ${hs.slice(0, 2)} does not exist`)];
  });

/** ECO-R007 (eco.status): REPLACED needs a different replacement number; CANCELLED has none. */
const R007: RuleFn = (d) => {
  const repl = str(d.replacementCertificateNumber);
  if (d.newStatus === 'REPLACED') {
    if (!repl) return [fail('/replacementCertificateNumber', 'a REPLACED certificate needs replacementCertificateNumber')];
    if (repl === d.certificateNumber) return [fail('/replacementCertificateNumber', 'a certificate cannot be replaced by itself')];
  }
  if (d.newStatus === 'CANCELLED' && repl !== undefined) return [fail('/replacementCertificateNumber', 'a CANCELLED certificate has no replacement')];
  return [];
};

/** ECO-R008: replyDeadline later than requestDate. */
const R008: RuleFn = (d) => {
  const dl = str(d.replyDeadline), rq = str(d.requestDate);
  return dl && rq && compareDates(dl, rq) <= 0 ? [fail('/replyDeadline', 'replyDeadline must be a later date than requestDate')] : [];
};

/** ECO-R009: a response refers to another id (the request) and explains DENIED/PARTIAL. */
const R009: RuleFn = (d) => {
  const out = [];
  if (d.requestId === d.responseId) out.push(fail('/requestId', 'requestId must name the request, not this response'));
  if ((d.result === 'DENIED' || d.result === 'PARTIAL') && !has(d, 'findings')) out.push(fail('/findings', `a ${String(d.result)} result needs findings`));
  return out;
};

/** ECO-R010: issuing authority is a BXG party of the exporting country. */
const R010: RuleFn = (d) => {
  const pid = str(obj(d.issuingAuthority)?.partyId);
  if (!pid) return [fail('/issuingAuthority/partyId', 'the issuing authority needs a partyId (CC:AGENCY)')];
  return pid.slice(0, 2) === d.exportingCountry ? [] : [fail('/issuingAuthority/partyId', `the issuing authority ${pid} is not of the exporting country ${String(d.exportingCountry)}`)];
};

/** ECO-R011: tradeAgreement iff preferential. */
const R011: RuleFn = (d) => {
  if (d.preferential === true && !has(d, 'tradeAgreement')) return [fail('/tradeAgreement', 'a preferential certificate names its trade agreement')];
  if (d.preferential === false && has(d, 'tradeAgreement')) return [fail('/tradeAgreement', 'a non-preferential certificate names no trade agreement')];
  return [];
};

/** ECO-R012: IMO number check digit. */
const R012: RuleFn = (d) => {
  const imo = str(obj(d.transport)?.imoNumber);
  return imo && !isValidImoNumber(imo) ? [fail('/transport/imoNumber', `${imo}: wrong IMO check digit`)] : [];
};

/** ECO-R013: recovery method OTHER is described. */
const R013: RuleFn = (d) =>
  list(d.goodsItems).flatMap((item, i) => {
    const rc = obj(obj(item)?.recycledContent);
    return rc?.method === 'OTHER' && !has(rc, 'methodDescription') ? [fail(`/goodsItems/${i}/recycledContent/methodDescription`, 'recovery method OTHER needs methodDescription')] : [];
  });

/** ECO-R014: a certificate does not replace itself. */
const R014: RuleFn = (d) =>
  has(d, 'replacesCertificateNumber') && d.replacesCertificateNumber === d.certificateNumber ? [fail('/replacesCertificateNumber', 'a certificate cannot replace itself')] : [];

/** ECO-R015: certification not before declaration. */
const R015: RuleFn = (d) => {
  const c = str(obj(d.certification)?.date), dec = str(obj(d.declaration)?.date);
  return c && dec && compareDates(c, dec) < 0 ? [fail('/certification/date', 'the authority cannot certify before the exporter declares')] : [];
};

/** ECO-R016: OTHER reason or document needs reasonText. */
const R016: RuleFn = (d) =>
  (list(d.reasons).includes('OTHER') || list(d.documentsRequested).includes('OTHER')) && !has(d, 'reasonText') ? [fail('/reasonText', 'OTHER needs reasonText')] : [];

/** ECO-R017: requesting and requested authorities differ. */
const R017: RuleFn = (d) =>
  JSON.stringify(d.requestingAuthority) === JSON.stringify(d.requestedAuthority) ? [fail('/requestedAuthority', 'the requested authority must differ from the requesting one')] : [];

/** ECO-R018: no list repeats an entry. */
const R018: RuleFn = (d) =>
  (['itemNumbers', 'reasons', 'documentsRequested'] as const).flatMap((k) => repeatedIndices(list(d[k])).map((i) => fail(`/${k}/${i}`, `${k} repeats an entry`)));

/** ECO-R019: certificateIssueDate not after requestDate. */
const R019: RuleFn = (d) => {
  const c = str(d.certificateIssueDate), r = str(d.requestDate);
  return c && r && compareDates(c, r) > 0 ? [fail('/certificateIssueDate', 'the certificate cannot be issued after the request')] : [];
};

/** ECO-R020: per-item results agree with the overall result. */
const R020: RuleFn = (d) => {
  const results = list(d.itemResults).map((x) => obj(x)?.result);
  if (d.result === 'PARTIAL') {
    if (!has(d, 'itemResults')) return [fail('/result', 'a PARTIAL result needs itemResults')];
    return results.includes('CONFIRMED') && results.includes('DENIED') ? [] : [fail('/itemResults', 'a PARTIAL result needs at least one CONFIRMED and one DENIED item')];
  }
  if (d.result === 'CONFIRMED' && results.includes('DENIED')) return [fail('/itemResults', 'a CONFIRMED result has no DENIED item')];
  if (d.result === 'DENIED' && results.includes('CONFIRMED')) return [fail('/itemResults', 'a DENIED result has no CONFIRMED item')];
  return [];
};

/** ECO-R021: one result per goods item. */
const R021: RuleFn = (d) =>
  repeatedIndices(list(d.itemResults).map((x) => obj(x)?.itemNumber)).map((i) => fail(`/itemResults/${i}/itemNumber`, 'this goods item already has a result'));

/** e-CO rules by id. */
export const ecoRules: Record<string, RuleFn> = {
  'ECO-R001': R001, 'ECO-R002': R002, 'ECO-R003': R003, 'ECO-R004': R004, 'ECO-R005': R005, 'ECO-R006': R006,
  'ECO-R007': R007, 'ECO-R008': R008, 'ECO-R009': R009, 'ECO-R010': R010, 'ECO-R011': R011, 'ECO-R012': R012,
  'ECO-R013': R013, 'ECO-R014': R014, 'ECO-R015': R015, 'ECO-R016': R016, 'ECO-R017': R017, 'ECO-R018': R018,
  'ECO-R019': R019, 'ECO-R020': R020, 'ECO-R021': R021,
};
