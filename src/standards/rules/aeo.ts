import { fail, type RuleFn } from './types.ts';
import { compareDates, has, list, obj, repeatedIndices, str } from './helpers.ts';

/* AEO rules (aeo.operator-list, aeo.status-change); each runs only on a schema-valid document. */

/** AEO-R001: a SUSPENDED or REVOKED operator carries its status date. */
const R001: RuleFn = (d) =>
  list(d.operators).flatMap((o, i) => {
    const op = obj(o);
    return (op?.status === 'SUSPENDED' || op?.status === 'REVOKED') && !has(op, 'statusDate')
      ? [fail(`/operators/${i}/statusDate`, `a ${String(op.status)} operator needs statusDate`)] : [];
  });

/** AEO-R002: AEO ids are unique in the list. */
const R002: RuleFn = (d) =>
  repeatedIndices(list(d.operators).map((o) => obj(o)?.aeoId)).map((i) => fail(`/operators/${i}/aeoId`, 'this AEO id is already listed'));

/** AEO-R003: a status change changes the status. */
const R003: RuleFn = (d) =>
  d.newStatus === d.previousStatus ? [fail('/newStatus', 'newStatus must differ from previousStatus')] : [];

/** AEO-R004: statusDate not before authorisationDate. */
const R004: RuleFn = (d) =>
  list(d.operators).flatMap((o, i) => {
    const op = obj(o);
    const s = str(op?.statusDate), a = str(op?.authorisationDate);
    return s && a && compareDates(s, a) < 0 ? [fail(`/operators/${i}/statusDate`, 'statusDate is before authorisationDate')] : [];
  });

/** AEO-R005: an operator update carries something. */
const R005: RuleFn = (d) => {
  const u = obj(d.operatorUpdate);
  return u && Object.keys(u).length === 0 ? [fail('/operatorUpdate', 'operatorUpdate is empty')] : [];
};

/** AEO rules by id. */
export const aeoRules: Record<string, RuleFn> = { 'AEO-R001': R001, 'AEO-R002': R002, 'AEO-R003': R003, 'AEO-R004': R004, 'AEO-R005': R005 };
