import canonicalize from 'canonicalize';
import { append } from '../audit/index.ts';
import type { Queryable } from '../db/index.ts';
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from '../errors/index.ts';
import { iso } from './records.ts';
import { recordReads } from './reads.ts';
import type { RiskFeedbackDocument, Tlp } from './types.ts';

/** Feedback as its contributor or reporter sees it. */
export interface RiskFeedbackView {
  feedbackId: string;
  recordId: string;
  reportingAgency: string;
  type: string;
  observedAt: string;
  receivedAt: string;
  location?: string;
  comment?: string;
}

/**
 * Store a validated `risk.feedback` (JSON form) from `party` about a record it can see, with
 * its audit entry (`risk.feedback`). The same feedback id sent again with the same content is
 * accepted once; with other content it is a conflict.
 * @throws ForbiddenError (reportingAgency is not the sender), NotFoundError (record unknown or
 *   invisible to the sender), InvalidRequestError (recordId differs from the path's), ConflictError.
 */
export async function applyRiskFeedback(tx: Queryable, document: Record<string, unknown>, ctx: { party: string; recordId?: string; sha256?: string }): Promise<{ feedbackId: string; created: boolean }> {
  const doc = document as unknown as RiskFeedbackDocument;
  if (doc.reportingAgency !== ctx.party) {
    throw new ForbiddenError({
      detail: `the feedback's reportingAgency is ${doc.reportingAgency}, but ${ctx.party} sent it`,
      errors: [{ code: 'risk.reporting-agency', message: 'must be the sending party', path: '/reportingAgency' }],
    });
  }
  if (ctx.recordId && doc.recordId !== ctx.recordId) {
    throw new InvalidRequestError({
      detail: `the feedback is about record ${doc.recordId}, but was sent to record ${ctx.recordId}`,
      errors: [{ code: 'risk.record-id', message: 'must be the record of the URL', path: '/recordId' }],
    });
  }
  const seen = await tx.query('SELECT 1 FROM risk_visible_records($1) v WHERE v.id = $2', [ctx.party, doc.recordId]);
  if (!seen.rowCount) throw new NotFoundError({ detail: `no risk record ${doc.recordId}` });
  const prior = await tx.query<{ document: unknown }>('SELECT document FROM risk_feedback WHERE id = $1', [doc.feedbackId]);
  if (prior.rowCount) {
    const stored = prior.rows[0]!.document;
    // jsonb keeps its own key order: compare canonical forms (RFC 8785).
    const same = canonicalize(typeof stored === 'string' ? JSON.parse(stored) : stored) === canonicalize(doc);
    if (same) return { feedbackId: doc.feedbackId, created: false };
    throw new ConflictError({ detail: `feedback ${doc.feedbackId} was already received with other content` });
  }
  await tx.query(
    'INSERT INTO risk_feedback (id, record_id, reporter, type, observed_at, document) VALUES ($1, $2, $3, $4, $5, $6)',
    [doc.feedbackId, doc.recordId, ctx.party, doc.type, doc.observedAt, JSON.stringify(doc)]);
  await append(tx, {
    actor: ctx.party, action: 'risk.feedback', subject: doc.recordId, ...(ctx.sha256 ? { payloadSha256: ctx.sha256 } : {}),
    details: { feedbackId: doc.feedbackId, type: doc.type },
  });
  return { feedbackId: doc.feedbackId, created: true };
}

/**
 * The feedback on a record that `party` may see: all of it for the contributor, its own for a
 * reporter, none for anyone else (who still sees the counts on the record).
 * @throws NotFoundError when the record is unknown or invisible to the party.
 */
export async function listRiskFeedback(tx: Queryable, recordId: string, party: string): Promise<RiskFeedbackView[]> {
  const r = await tx.query<{ id: string; version: number; tlp: Tlp; source_agency: string }>(
    'SELECT v.id, v.version, v.tlp, v.source_agency FROM risk_visible_records($1) v WHERE v.id = $2', [party, recordId]);
  const rec = r.rows[0];
  if (!rec) throw new NotFoundError({ detail: `no risk record ${recordId}` });
  await recordReads(tx, party, 'feedback', [rec]);
  const rows = await tx.query<{ id: string; reporter: string; type: string; observed_at: Date | string; received_at: Date | string; document: RiskFeedbackDocument | string }>(
    `SELECT id, reporter, type, observed_at, received_at, document FROM risk_feedback
     WHERE record_id = $1 AND ($2 OR reporter = $3) ORDER BY seq`,
    [recordId, rec.source_agency === party, party]);
  return rows.rows.map((f) => {
    const d = typeof f.document === 'string' ? (JSON.parse(f.document) as RiskFeedbackDocument) : f.document;
    return {
      feedbackId: f.id, recordId, reportingAgency: f.reporter, type: f.type, observedAt: iso(f.observed_at), receivedAt: iso(f.received_at),
      ...(d.location ? { location: d.location } : {}), ...(d.comment ? { comment: d.comment } : {}),
    };
  });
}
