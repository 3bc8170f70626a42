import { fail, type RuleFn } from './types.ts';
import { compareInstants, has, list, obj, str } from './helpers.ts';
import { isValidContainerNumber, isValidImoNumber } from './check-digits.ts';

/* Risk rules (risk.record, risk.feedback); each runs only on a schema-valid document. */

/** Which subject field each kind needs (RISK-R006/R007). */
const SUBJECT_FIELD: Record<string, string> = {
  TRADER: 'trader', CONSIGNMENT: 'transportDocumentNumber', CONTAINER: 'containerNumber', CONVEYANCE: 'conveyance',
  POSTAL_ITEM: 'trackingNumber', TRAVELLER: 'traveller', GOODS: 'goods',
};
const SUBJECT_FIELDS = Object.values(SUBJECT_FIELD);

/** RISK-R001: validUntil strictly after validFrom (as instants). */
const R001: RuleFn = (d) => {
  const from = str(d.validFrom), until = str(d.validUntil);
  return from && until && compareInstants(until, from) <= 0 ? [fail('/validUntil', 'validUntil must be later than validFrom')] : [];
};

/** RISK-R002: RED names its recipients. */
const R002: RuleFn = (d) => {
  const h = obj(d.handling);
  return h?.tlp === 'RED' && !has(h, 'recipients') ? [fail('/handling/recipients', 'a TLP:RED record names its recipients')] : [];
};

/** RISK-R003: SHARING_GROUP distribution names the group. */
const R003: RuleFn = (d) => {
  const h = obj(d.handling);
  return h?.distribution === 'SHARING_GROUP' && !has(h, 'sharingGroup') ? [fail('/handling/sharingGroup', 'SHARING_GROUP distribution needs sharingGroup')] : [];
};

/** RISK-R004: ISO 6346 container check digit. */
const R004: RuleFn = (d) =>
  list(d.subjects).flatMap((s, i) => {
    const c = str(obj(s)?.containerNumber);
    return c && !isValidContainerNumber(c) ? [fail(`/subjects/${i}/containerNumber`, `${c}: wrong ISO 6346 check digit`)] : [];
  });

/** RISK-R005: IMO check digit. */
const R005: RuleFn = (d) =>
  list(d.subjects).flatMap((s, i) => {
    const imo = str(obj(obj(s)?.conveyance)?.imoNumber);
    return imo && !isValidImoNumber(imo) ? [fail(`/subjects/${i}/conveyance/imoNumber`, `${imo}: wrong IMO check digit`)] : [];
  });

/** RISK-R006: each subject carries the field its kind needs. */
const R006: RuleFn = (d) =>
  list(d.subjects).flatMap((s, i) => {
    const subj = obj(s);
    const field = SUBJECT_FIELD[String(subj?.kind)];
    if (!subj || !field) return [];
    const at = `/subjects/${i}/${field}`;
    if (!has(subj, field)) return [fail(at, `a ${String(subj.kind)} subject needs ${field}`)];
    if (field === 'trader' && !['name', 'identifiers', 'aeoId'].some((k) => has(obj(subj.trader), k))) return [fail(at, 'a trader needs a name, identifiers or an aeoId')];
    if (field === 'goods' && !['hsCode', 'description'].some((k) => has(obj(subj.goods), k))) return [fail(at, 'goods need an hsCode or a description')];
    return [];
  });

/** RISK-R007: a subject carries no other kind's field. */
const R007: RuleFn = (d) =>
  list(d.subjects).flatMap((s, i) => {
    const subj = obj(s);
    if (!subj) return [];
    const own = SUBJECT_FIELD[String(subj.kind)];
    return SUBJECT_FIELDS.filter((f) => f !== own && has(subj, f)).map((f) => fail(`/subjects/${i}/${f}`, `a ${String(subj.kind)} subject must not carry ${f}`));
  });

/** RISK-R008: sharingGroup only with SHARING_GROUP distribution. */
const R008: RuleFn = (d) => {
  const h = obj(d.handling);
  return h && h.distribution !== 'SHARING_GROUP' && has(h, 'sharingGroup') ? [fail('/handling/sharingGroup', 'sharingGroup is only for SHARING_GROUP distribution')] : [];
};

/** RISK-R009 (risk.feedback): an expiry request says why. */
const R009: RuleFn = (d) =>
  d.type === 'EXPIRE_REQUEST' && !has(d, 'comment') ? [fail('/comment', 'an EXPIRE_REQUEST needs a comment')] : [];

/** Risk rules by id. */
export const riskRules: Record<string, RuleFn> = {
  'RISK-R001': R001, 'RISK-R002': R002, 'RISK-R003': R003, 'RISK-R004': R004, 'RISK-R005': R005,
  'RISK-R006': R006, 'RISK-R007': R007, 'RISK-R008': R008, 'RISK-R009': R009,
};
