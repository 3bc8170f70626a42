/**
 * The inbound pipeline of `POST /v1/messages` (design.md §2): one small file per step under
 * steps/, assembled per document type in table.ts, run by {@link receiveMessage}.
 * @module exchange/pipeline
 */
export { receiveMessage } from './run.ts';
export { INTAKE, PIPELINES, pipelineFor } from './table.ts';
export type { InboundCall, InboundResult, MessageContext, PipelineDeps, Step } from './context.ts';
