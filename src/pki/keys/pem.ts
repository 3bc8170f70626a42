/*
 * PEM armour (RFC 7468): the one place that tells PEM text from DER bytes and reads or writes
 * the armour, for keys, certificates and CRLs alike.
 */

const ARMOUR = '-----BEGIN ';

/** PEM text (it carries an armour line) rather than DER bytes? */
export function isPem(data: string | Uint8Array): boolean {
  return typeof data === 'string' ? data.includes(ARMOUR) : Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(ARMOUR, 0, 'latin1');
}

/** Bytes or text → text, for reading PEM armour (PEM is ASCII). */
export function pemText(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
}

/** Every block with this label (`CERTIFICATE`, `X509 CRL`, …), as DER, in order. */
export function pemBlocks(pem: string, label: string): Buffer[] {
  const out: Buffer[] = [];
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return out;
}

/** DER → PEM with the given label. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** First PEM block with the given label → DER. @throws Error when there is none. */
export function fromPem(pem: string, label = 'CERTIFICATE'): Buffer {
  const der = pemBlocks(pem, label)[0];
  if (!der) throw new Error(`no ${label} PEM block found`);
  return der;
}
