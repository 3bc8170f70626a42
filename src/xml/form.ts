import { MalformedBodyError } from '../errors/index.ts';

/** The two forms an exchanged document comes in (CONVENTIONS.md § Signatures). */
export type DocumentForm = 'xml' | 'json';

/**
 * The form of document bytes, from the first significant byte (after a UTF-8 byte-order mark
 * and blanks): `<` is XML, `{` or `[` is JSON. The one sniffer: validation, document
 * signatures and the CLI all ask here (each then parses with its own hardened intake).
 * @throws MalformedBodyError when the bytes are neither.
 */
export function sniffDocumentForm(bytes: Uint8Array): DocumentForm {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x3c) return 'xml';
  if (bytes[i] === 0x7b || bytes[i] === 0x5b) return 'json';
  throw new MalformedBodyError({ detail: 'the document is neither XML (starts with <) nor JSON (starts with { or [)' });
}
