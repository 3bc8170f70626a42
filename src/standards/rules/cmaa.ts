import { fail, type RuleFn } from './types.ts';
import { compareDates, has, list, obj, repeatedIndices, str } from './helpers.ts';

/* CMAA rules (cmaa.request, cmaa.response); each runs only on a schema-valid document. */

/** CMAA-R001: a refusal gives its reason. */
const R001: RuleFn = (d) =>
  d.outcome === 'REFUSED' && !has(d, 'refusalReason') ? [fail('/refusalReason', 'a REFUSED response needs refusalReason')] : [];

/** CMAA-R002: requested authority differs from the requesting one. */
const R002: RuleFn = (d) =>
  JSON.stringify(d.requestedAuthority) === JSON.stringify(d.requestingAuthority) ? [fail('/requestedAuthority', 'the requested authority must differ from the requesting one')] : [];

/** CMAA-R003: replyBy not before requestDate. */
const R003: RuleFn = (d) => {
  const r = str(d.replyBy), q = str(d.requestDate);
  return r && q && compareDates(r, q) < 0 ? [fail('/replyBy', 'replyBy is before requestDate')] : [];
};

/** CMAA-R004: an URGENT request has a reply date. */
const R004: RuleFn = (d) =>
  d.urgency === 'URGENT' && !has(d, 'replyBy') ? [fail('/replyBy', 'an URGENT request needs replyBy')] : [];

/** CMAA-R005: FULFILLED or PARTIAL carries findings or attachments. */
const R005: RuleFn = (d) =>
  (d.outcome === 'FULFILLED' || d.outcome === 'PARTIAL') && !has(d, 'findings') && !has(d, 'attachments')
    ? [fail('/findings', `a ${String(d.outcome)} response needs findings or attachments`)] : [];

/** CMAA-R006: a legal person has no date of birth or nationality. */
const R006: RuleFn = (d) =>
  list(d.personsConcerned).flatMap((p, i) => {
    const person = obj(p);
    if (person?.kind !== 'LEGAL_PERSON') return [];
    return (['dateOfBirth', 'nationality'] as const).filter((k) => has(person, k)).map((k) => fail(`/personsConcerned/${i}/${k}`, `a legal person has no ${k}`));
  });

/** CMAA-R007: refusalReason only on REFUSED. */
const R007: RuleFn = (d) =>
  d.outcome !== 'REFUSED' && has(d, 'refusalReason') ? [fail('/refusalReason', 'refusalReason is only for a REFUSED response')] : [];

/** CMAA-R008: attachment names are unique. */
const R008: RuleFn = (d) =>
  repeatedIndices(list(d.attachments).map((a) => obj(a)?.name)).map((i) => fail(`/attachments/${i}/name`, 'an attachment of this name is already listed'));

/** CMAA rules by id. */
export const cmaaRules: Record<string, RuleFn> = {
  'CMAA-R001': R001, 'CMAA-R002': R002, 'CMAA-R003': R003, 'CMAA-R004': R004,
  'CMAA-R005': R005, 'CMAA-R006': R006, 'CMAA-R007': R007, 'CMAA-R008': R008,
};
