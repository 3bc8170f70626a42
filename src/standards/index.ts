/**
 * Standards: the registry of document types and versions (loaded from `schemas/` and
 * `standards/`), JSON Schema (Ajv 2020-12) and XSD (libxml2-wasm) validators compiled once,
 * the one XML ⇄ JSON mapping, business rules, validation reports, the conformance kit and
 * the HTTP routes that publish all of it.
 * @module standards
 */
export { Registry, loadRegistry, compareSemver, type DocumentTypeEntry, type RegistryOptions } from './registry.ts';
export { validateDocument, validateXmlDocument, validateJsonValue, type ValidateInput, type ValidateOptions } from './validate.ts';
export { SchemaLoadError } from './xsd-compile.ts';
// Other parts' own JSON Schemas (exchange agreements) compile with the same strict Ajv and report errors the same way.
export { createAjv, ajvErrorToReport } from './json-schema.ts';
export { xmlToJson, jsonToXml, canonicalNumber, MappingError, type MappedType, type TypeResolver } from './mapping.ts';
export { pointerToXPath, elementPath } from './xml-paths.ts';
export { namespaceOf, parseNamespace, DEFAULT_SCHEMAS_DIR, DEFAULT_STANDARDS_DIR } from './paths.ts';
export { standardsRoutes, reportSchema, type StandardsRoutesOptions } from './routes.ts';
export { runConformance, toJUnit, toMarkdown, type ConformanceOptions } from './conformance.ts';
export { toHtml, type TargetInfo } from './conformance-html.ts';
export { buildKitZip, listExamples, loadVectors, judgeVector, runVectorInProcess, type ExampleFile, type VectorResult } from './kit.ts';
export { checkStandards } from './check.ts';
export { canonicalXmlTree, xmlRoundTrip, jsonRoundTrip, pairMatches } from './roundtrip.ts';
export { iso6346CheckDigit, isValidContainerNumber, imoCheckDigit, isValidImoNumber } from './rules/check-digits.ts';
export {
  MAX_REPORT_ERRORS,
  type ValidationReport, type ReportError, type ReportCode, type DocumentFormat, type Descriptor, type RuleMeta,
  type CodeList, type VectorMeta, type RuleFailure,
} from './types.ts';
