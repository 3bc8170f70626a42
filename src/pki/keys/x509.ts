import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';

/** One X.509 certificate read once: the DER, node's view (keys, names) and pkijs's (extensions, chains). */
export interface ParsedCertificate {
  der: Buffer;
  /** SHA-256 of the DER, base64url without padding: the key id (`keyid`, JWS `kid`, `x5t#S256`). */
  keyId: string;
  subject: string;
  issuer: string;
  /** Serial number, upper-case hex without leading zeros (as CRLs and OCSP compare it). */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** `rsa`, `ec`, `ed25519`, … */
  keyType: string;
  /** RSA modulus bits or EC curve size. */
  keyBits: number;
  /** EC named curve (e.g. `prime256v1`). */
  curve?: string;
  /** Key usage bits present, or undefined when the extension is absent (any usage, RFC 5280). */
  keyUsage?: Set<string>;
  isCa: boolean;
  /** HTTP(S) CRL distribution point URLs. */
  crlUrls: string[];
  /** HTTP OCSP responder URLs from Authority Information Access. */
  ocspUrls: string[];
  pkijs: pkijs.Certificate;
}

const KEY_USAGE_NAMES = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment',
  'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
];

/** SHA-256 thumbprint of a DER certificate, base64url (the key id everywhere in bxg). */
export function thumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Normalise a key id given by a caller: base64url SHA-256 (43 chars) as is; 64 hex digits
 * (optionally colon-separated, as `openssl x509 -fingerprint -sha256` prints) converted.
 * Returns undefined when it is neither.
 */
export function normaliseKeyId(keyId: string): string | undefined {
  if (/^[A-Za-z0-9_-]{43}$/.test(keyId)) return keyId;
  const hex = keyId.replace(/:/g, '');
  if (/^[0-9A-Fa-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex').toString('base64url');
  return undefined;
}

/** Every CERTIFICATE block of a PEM text, as DER (in order). */
export function pemCertificates(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return out;
}

/** PEM text or DER bytes → DER certificates. Throws when there is none. */
export function readCertificates(input: string | Uint8Array): Buffer[] {
  if (typeof input !== 'string') {
    const text = Buffer.from(input).toString('latin1');
    if (text.includes('-----BEGIN')) return readCertificates(text);
    return [Buffer.from(input)];
  }
  const ders = pemCertificates(input);
  if (!ders.length) throw new Error('no CERTIFICATE PEM block found');
  return ders;
}

function hexSerial(cert: pkijs.Certificate | Uint8Array): string {
  const bytes = cert instanceof Uint8Array ? cert : cert.serialNumber.valueBlock.valueHexView;
  return serialHex(bytes);
}

/** Integer bytes → canonical upper-case hex without leading zeros. */
export function serialHex(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex').replace(/^0+(?=.)/, '').toUpperCase();
  return hex || '0';
}

function generalNameUris(names: pkijs.GeneralName[] | undefined): string[] {
  return (names ?? [])
    .filter((n) => n.type === 6 && typeof n.value === 'string' && /^https?:\/\//i.test(n.value))
    .map((n) => n.value as string);
}

/**
 * Parse a DER certificate. Throws a plain Error when it is not one; callers turn it into the
 * gateway error that fits (400 on registration, 401/422 on verification).
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const buf = Buffer.from(der);
  const node = new X509Certificate(buf);
  const cert = pkijs.Certificate.fromBER(buf);
  const publicKey = node.publicKey;
  const details = publicKey.asymmetricKeyDetails ?? {};
  const keyType = publicKey.asymmetricKeyType ?? 'unknown';
  const curveBits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };
  const keyBits = keyType === 'rsa' || keyType === 'rsa-pss'
    ? details.modulusLength ?? 0
    : keyType === 'ec' ? curveBits[details.namedCurve ?? ''] ?? 0
      : keyType === 'ed25519' ? 256 : keyType === 'ed448' ? 448 : 0;

  let keyUsage: Set<string> | undefined;
  let isCa = false;
  const crlUrls: string[] = [];
  const ocspUrls: string[] = [];
  for (const ext of cert.extensions ?? []) {
    switch (ext.extnID) {
      case '2.5.29.15': {
        const bits = (ext.parsedValue as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView;
        keyUsage = new Set(KEY_USAGE_NAMES.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0));
        break;
      }
      case '2.5.29.19':
        isCa = (ext.parsedValue as pkijs.BasicConstraints).cA === true;
        break;
      case '2.5.29.31':
        for (const dp of (ext.parsedValue as pkijs.CRLDistributionPoints).distributionPoints) {
          if (Array.isArray(dp.distributionPoint)) crlUrls.push(...generalNameUris(dp.distributionPoint));
        }
        break;
      case '1.3.6.1.5.5.7.1.1':
        for (const ad of (ext.parsedValue as pkijs.InfoAccess).accessDescriptions) {
          if (ad.accessMethod === '1.3.6.1.5.5.7.48.1') ocspUrls.push(...generalNameUris([ad.accessLocation]));
        }
        break;
    }
  }
  return {
    der: buf,
    keyId: thumbprint(buf),
    subject: node.subject.replace(/\n/g, ', '),
    issuer: node.issuer.replace(/\n/g, ', '),
    serial: hexSerial(cert),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    publicKey,
    keyType,
    keyBits,
    curve: details.namedCurve,
    keyUsage,
    isCa,
    crlUrls,
    ocspUrls,
    pkijs: cert,
  };
}
