import type { RuleFn } from './types.ts';
import { ecoRules } from './eco.ts';
import { aeoRules } from './aeo.ts';
import { riskRules } from './risk.ts';
import { cmaaRules } from './cmaa.ts';
import { receiptRules } from './receipt.ts';
import { envelopeRules } from './envelope.ts';

export type { RuleFn, RuleContext, Doc } from './types.ts';

/** Every implemented rule by id; a rules.json entry finds its implementation here. */
export const RULE_IMPLEMENTATIONS: ReadonlyMap<string, RuleFn> = new Map<string, RuleFn>(
  Object.entries({ ...ecoRules, ...aeoRules, ...riskRules, ...cmaaRules, ...receiptRules, ...envelopeRules }),
);
