import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { XmlDocument, XmlElement, XsdValidator, XmlLibError, ParseOption } from 'libxml2-wasm';
import { allowSchemaRoot, allowedPath, recordLoads } from './xsd-provider.ts';

const XS = 'http://www.w3.org/2001/XMLSchema';

/** A schema tree could not be compiled; start-up must stop. */
export class SchemaLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaLoadError';
  }
}

/** Every schemaLocation declared by xs:import/xs:include/xs:redefine in `file` and, transitively, in what they name. */
export function declaredSchemaFiles(file: string, root: string): Set<string> {
  const found = new Set<string>();
  const queue = [file];
  const seen = new Set<string>();
  while (queue.length) {
    const f = queue.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(readFileSync(f), { url: f, option: ParseOption.XML_PARSE_NONET });
    } catch (e) {
      if (f === file) throw new SchemaLoadError(`${f}: cannot read or parse: ${(e as Error).message}`);
      continue; // a missing imported file shows up as "declared but not loaded"
    }
    try {
      for (const n of doc.find('/xs:schema/xs:import | /xs:schema/xs:include | /xs:schema/xs:redefine', { xs: XS })) {
        const loc = n instanceof XmlElement ? n.attr('schemaLocation')?.value : undefined;
        if (!loc) continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) {
          throw new SchemaLoadError(`${f}: schemaLocation "${loc}" is not a relative path inside ${root}`);
        }
        const target = resolve(dirname(f), loc);
        found.add(target);
        queue.push(target);
      }
    } finally {
      doc.dispose();
    }
  }
  return found;
}

/**
 * Compile one XSD once, with the allow-list provider serving its imports, and prove that
 * every declared xs:import/xs:include was actually served (libxml2-wasm skips failed ones).
 * @throws SchemaLoadError naming the missing file(s) or the compile errors.
 */
export function compileXsd(file: string, schemasRoot: string): XsdValidator {
  allowSchemaRoot(schemasRoot);
  const path = realpathSync(file);
  if (!allowedPath(path)) throw new SchemaLoadError(`${file} is not inside ${schemasRoot}`);
  const declared = declaredSchemaFiles(path, schemasRoot);
  const doc = XmlDocument.fromBuffer(readFileSync(path), { url: path, option: ParseOption.XML_PARSE_NONET });
  try {
    const { result, served, refused } = recordLoads(() => {
      try {
        return XsdValidator.fromDoc(doc);
      } catch (e) {
        return e instanceof XmlLibError ? e : new SchemaLoadError(String(e));
      }
    });
    const missing = [...declared].filter((d) => {
      let real: string;
      try { real = realpathSync(d); } catch { return true; }
      return !served.has(real) && real !== path;
    });
    // libxml2 loads a namespace once per compile: a second import of the same file is not re-read.
    // A declared file that exists, is allowed and was served under another spelling is fine;
    // anything missing, refused or outside the tree fails start-up.
    if (missing.length || refused.length) {
      if (result instanceof XsdValidator) result.dispose();
      const list = [...new Set([...missing, ...refused])].join(', ');
      throw new SchemaLoadError(`${file}: xs:import/xs:include not loaded: ${list}`);
    }
    if (!(result instanceof XsdValidator)) {
      const msg = result instanceof XmlLibError ? result.details.map((d) => `${d.file ?? ''}:${d.line}: ${d.message.trim()}`).join('; ') : result.message;
      throw new SchemaLoadError(`${file}: XSD does not compile: ${msg}`);
    }
    return result;
  } finally {
    doc.dispose();
  }
}
