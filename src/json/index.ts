/**
 * The one JSON intake (design.md §6): every JSON document, body or header the gateway reads
 * from outside — validation, HTTP bodies, document signatures, the CLI — goes through
 * {@link parseJson}, which accepts only I-JSON (RFC 7493) within size and depth limits and
 * refuses prototype keys, with a located error. Also the JSON Pointer helpers.
 * @module json
 */
export { parseJson, DEFAULT_JSON_LIMITS, type JsonLimits } from './intake.ts';
export { escapeSegment, splitPointer, joinPointer, getAtPointer } from './pointer.ts';
