/**
 * Risk: the shared border-risk database — records with TLP 2.0 markings and MISP-style
 * distribution, enforced in one place (the SQL function `risk_visible_records`, migration
 * 0030), screening that explains its matches, feedback, recorded reads, expiry.
 * docs/risk.md is the specification.
 * @module risk
 */
export { applyRiskRecord, withdrawRiskRecord, getRiskRecord, listRiskRecords, riskRecordVersions,
  type RiskApplyContext, type RiskApplyResult, type RiskRecordView, type ListFilter } from './records.ts';
export { applyRiskFeedback, listRiskFeedback, type RiskFeedbackView } from './feedback.ts';
export { screenConsignment, NAME_SIMILARITY_THRESHOLD, type Consignment, type ScreenResult, type ScreenMatch, type MatchReason } from './screen.ts';
export { expireRiskRecords, type ExpiryRun } from './expiry.ts';
export { createGroup, setGroupMember, listGroups, type SharingGroup } from './groups.ts';
export { READ_PATHS, WRITE_PATHS, recordReads, riskRecordReads, type ReadPathName } from './reads.ts';
export { normaliseIdentifier, normaliseName, travellerCanonical } from './normalise.ts';
export { riskPlugin, type RiskPluginOptions } from './plugin.ts';
export { TLP_MARKINGS, DISTRIBUTIONS, type RiskRecordDocument, type RiskFeedbackDocument, type Tlp, type Distribution } from './types.ts';
export { consignmentSchema } from './routes/screen.ts';
