import { AgreementError, type ProblemItem } from '../../errors/index.ts';
import type { Agreement, AgreementCheck } from './types.ts';

/** Stable codes of what can fall outside an agreement (`errors[].code` of a 403 `BXG_AGREEMENT`). */
export const AGREEMENT_REASONS = [
  'agreement.none', 'agreement.inactive', 'agreement.not-yet-valid', 'agreement.expired', 'agreement.document-type',
  'agreement.version', 'agreement.direction', 'agreement.author', 'agreement.format', 'agreement.algorithm',
] as const;

/** One of {@link AGREEMENT_REASONS}. */
export type AgreementReason = (typeof AGREEMENT_REASONS)[number];

const list = (xs: readonly string[]) => xs.join(', ');

function item(code: AgreementReason, message: string): ProblemItem {
  return { code, message };
}

function sending(check: AgreementCheck): string {
  return check.direction === 'inbound' ? `from ${check.partner}` : `to ${check.partner}`;
}

/**
 * Everything that puts `check` outside `agreement` (empty: allowed). The agreement as a whole
 * first (inactive, validity): when it does not apply nothing else is looked at. Then the
 * document: type, then version, then direction, then (inbound) author, narrowing down the
 * entries that cover it; and, independently, format and algorithm. Authors are checked
 * inbound only: they say who may author on the partner's behalf; what this gateway sends is
 * authored here.
 */
export function outsideAgreement(agreement: Agreement, check: AgreementCheck): ProblemItem[] {
  const at = check.at ?? new Date();
  if (!agreement.active) return [item('agreement.inactive', `the agreement with ${agreement.partner} is not active`)];
  if (agreement.validFrom && Date.parse(agreement.validFrom) > at.getTime()) {
    return [item('agreement.not-yet-valid', `the agreement with ${agreement.partner} applies only from ${agreement.validFrom}`)];
  }
  if (agreement.validTo && Date.parse(agreement.validTo) <= at.getTime()) {
    return [item('agreement.expired', `the agreement with ${agreement.partner} applied only until ${agreement.validTo}`)];
  }
  const out: ProblemItem[] = [];
  const ofType = agreement.documents.filter((d) => d.documentType === check.documentType);
  const ofVersion = ofType.filter((d) => d.versions.includes(check.version));
  const ofDirection = ofVersion.filter((d) => d.direction === 'both' || d.direction === check.direction);
  if (!ofType.length) {
    out.push(item('agreement.document-type', `document type ${check.documentType} is not covered by the agreement with ${agreement.partner}`));
  } else if (!ofVersion.length) {
    const versions = [...new Set(ofType.flatMap((d) => d.versions))];
    out.push(item('agreement.version', `${check.documentType} version ${check.version} is not covered (allowed: ${list(versions)})`));
  } else if (!ofDirection.length) {
    out.push(item('agreement.direction', `${check.documentType} ${check.version} may not be sent ${sending(check)} (${check.direction} is not allowed)`));
  } else if (check.direction === 'inbound') {
    const authors = [...new Set(ofDirection.flatMap((d) => d.authors ?? [agreement.partner]))];
    if (!authors.includes(check.author)) {
      out.push(item('agreement.author', `${check.author} may not author ${check.documentType} on behalf of ${agreement.partner} (allowed: ${list(authors)})`));
    }
  }
  if (!agreement.signature.formats.includes(check.format)) {
    out.push(item('agreement.format', `format ${check.format} is not allowed (allowed: ${list(agreement.signature.formats)})`));
  }
  if (check.algorithm !== undefined && !agreement.signature.algorithms.includes(check.algorithm)) {
    out.push(item('agreement.algorithm', `signature algorithm ${check.algorithm} is not allowed (allowed: ${list(agreement.signature.algorithms)})`));
  }
  return out;
}

/**
 * The refusal of a check: 403 `BXG_AGREEMENT`, its detail naming the partner, the agreement
 * version and every point outside, one `errors[]` item each.
 */
export function agreementError(check: AgreementCheck, agreement: Agreement | undefined, problems?: ProblemItem[]): AgreementError {
  if (!agreement) {
    const message = `there is no exchange agreement with ${check.partner}`;
    return new AgreementError({ detail: `${check.documentType} ${check.version} ${sending(check)}: ${message}`, errors: [item('agreement.none', message)] });
  }
  const items = problems ?? outsideAgreement(agreement, check);
  return new AgreementError({
    detail: `${check.documentType} ${check.version} ${sending(check)} is outside the agreement (version ${agreement.version}): ${items.map((i) => i.message).join('; ')}`,
    errors: items,
  });
}
