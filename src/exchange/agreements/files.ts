import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { GatewayError, InvalidAgreementError } from '../../errors/index.ts';
import { parseJson } from '../../json/index.ts';
import { checkAgreement, type AgreementBody, type DocumentTypeCheck } from './document.ts';
import type { DatabaseAgreementStore } from './store.ts';

/** Largest agreement file read (an agreement is a few KiB). */
const MAX_FILE_BYTES = 1024 * 1024;
/** The file names read from an agreements directory. */
const AGREEMENT_FILE = /\.(json|ya?ml)$/i;

/**
 * Read one agreement file: JSON through the one JSON intake (I-JSON, limits), YAML (`.yaml`,
 * `.yml`) with unique keys and few aliases. Not validated yet: see {@link checkAgreement}.
 * @throws InvalidAgreementError naming the file (and line) when it cannot be read as such.
 */
export function readAgreementFile(path: string): unknown {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_FILE_BYTES) throw new InvalidAgreementError({ detail: `${path}: larger than ${MAX_FILE_BYTES} bytes` });
  if (/\.ya?ml$/i.test(path)) {
    try {
      return parseYaml(bytes.toString('utf8'), { uniqueKeys: true, maxAliasCount: 16, prettyErrors: false });
    } catch (e) {
      if (!(e instanceof YAMLParseError)) throw e;
      const at = e.linePos?.[0];
      throw new InvalidAgreementError({
        detail: `${path}: not valid YAML: ${e.message.split('\n')[0]}`,
        errors: [{ code: 'yaml.syntax', message: e.message.split('\n')[0]!, ...(at ? { line: at.line, column: at.col } : {}) }],
      });
    }
  }
  try {
    return parseJson(bytes, { maxBytes: MAX_FILE_BYTES, maxDepth: 16 });
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    throw new InvalidAgreementError({ detail: `${path}: ${e.detail}`, errors: e.errors });
  }
}

/** One checked agreement file. */
export interface AgreementFile {
  file: string;
  agreement: AgreementBody;
}

/**
 * Read and check every `*.json`, `*.yaml` and `*.yml` file of `dir` (sorted by name), all of
 * them before any is applied: one bad file, or two files for one partner, refuses the lot.
 * @throws InvalidAgreementError whose detail names the file and the JSON Pointer of the field.
 */
export function readAgreementsDir(dir: string, knownDocumentType?: DocumentTypeCheck): AgreementFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => AGREEMENT_FILE.test(n)).sort();
  } catch (e) {
    throw new InvalidAgreementError({ detail: `AGREEMENTS_DIR ${dir} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
  }
  const files: AgreementFile[] = [];
  const byPartner = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    const agreement = checkAgreement(readAgreementFile(file), { knownDocumentType, source: file });
    const other = byPartner.get(agreement.partner);
    if (other) {
      throw new InvalidAgreementError({
        detail: `${file}: invalid agreement at /partner: ${other} already declares the agreement with ${agreement.partner}`,
        errors: [{ code: 'agreement.partner', path: '/partner', message: `${other} already declares the agreement with ${agreement.partner}` }],
      });
    }
    byPartner.set(agreement.partner, file);
    files.push({ file, agreement });
  }
  return files;
}

/**
 * Apply the agreements declared in `dir` (at start): each becomes its partner's current
 * agreement, as a new version when it differs from the current one (an operator's change
 * through the API is replaced by the file at the next start: the files are the declaration).
 * @returns the files that added a version.
 */
export async function applyAgreementsDir(store: DatabaseAgreementStore, dir: string, knownDocumentType?: DocumentTypeCheck): Promise<Array<{ file: string; partner: string; version: number }>> {
  const applied = [];
  for (const { file, agreement } of readAgreementsDir(dir, knownDocumentType)) {
    const r = await store.apply(agreement, { actor: 'system', source: `file ${file}` }, { source: file });
    if (r.changed) applied.push({ file, partner: r.agreement.partner, version: r.agreement.version });
  }
  return applied;
}
