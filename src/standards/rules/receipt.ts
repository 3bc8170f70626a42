import { fail, type RuleFn } from './types.ts';
import { has, list, obj, str } from './helpers.ts';

/* Receipt rules (exchange.receipt); each runs only on a schema-valid document. */

/** RCPT-R001: the digest is canonical base64 of 32 bytes. */
const R001: RuleFn = (d) => {
  const v = str(obj(d.receivedDigest)?.value);
  if (v === undefined) return [];
  const ok = /^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32 && Buffer.from(v, 'base64').toString('base64') === v;
  return ok ? [] : [fail('/receivedDigest/value', 'not the canonical base64 of a 32-byte SHA-256 digest')];
};

/** RCPT-R002: a rejection says why. */
const R002: RuleFn = (d) =>
  d.verdict === 'REJECTED' && list(d.errors).length === 0 ? [fail('/errors', 'a REJECTED receipt lists its errors')] : [];

/** RCPT-R003: an acceptance carries no errors. */
const R003: RuleFn = (d) =>
  (d.verdict === 'ACCEPTED' || d.verdict === 'DUPLICATE') && has(d, 'errors') ? [fail('/errors', `an ${String(d.verdict)} receipt carries no errors`)] : [];

/** RCPT-R004: rule iff code "rule". */
const R004: RuleFn = (d) =>
  list(d.errors).flatMap((e, i) => {
    const err = obj(e);
    return (err?.code === 'rule') !== has(err, 'rule') ? [fail(`/errors/${i}/rule`, 'rule is given exactly when code is "rule"')] : [];
  });

/** RCPT-R005: the receipt has its own id. */
const R005: RuleFn = (d) =>
  d.receiptId === d.messageId ? [fail('/receiptId', 'receiptId must differ from messageId')] : [];

/** Receipt rules by id. */
export const receiptRules: Record<string, RuleFn> = { 'RCPT-R001': R001, 'RCPT-R002': R002, 'RCPT-R003': R003, 'RCPT-R004': R004, 'RCPT-R005': R005 };
