import { createHash, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { partyUri } from './party-id.ts';

/** Key usage bits this builder can set (RFC 5280 §4.2.1.3). */
export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'keyCertSign' | 'cRLSign';

const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6,
};

/** Subject of an issued certificate. */
export interface SubjectSpec {
  /** Common name: the party's display name. */
  commonName: string;
  /** ISO 3166-1 alpha-2 country. */
  country?: string;
  /** Organisation name. */
  organization?: string;
}

/** What to put into a certificate; the builder fills serial, key ids and signature. */
export interface IssueSpec {
  subject: SubjectSpec;
  /** Public key of the subject. */
  publicKey: KeyObject;
  /** Issuer's certificate (DER); omit for a self-signed certificate. */
  issuerCertificate?: Uint8Array;
  /** Issuer's private key (the subject's own key when self-signed). */
  issuerKey: KeyObject;
  /** A CA certificate (basicConstraints cA, keyCertSign + cRLSign). */
  ca?: boolean;
  /** Party id `CC:AGENCY`, written as SAN URI `urn:bxg:party:CC:AGENCY`. */
  partyId?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Override the default key usage (CA: keyCertSign+cRLSign; end entity: digitalSignature+nonRepudiation). */
  keyUsage?: KeyUsageName[];
  /** Signature hash: defaults to SHA-256. */
  hash?: 'sha256' | 'sha384' | 'sha512';
}

const OID = {
  cn: '2.5.4.3', c: '2.5.4.6', o: '2.5.4.10',
  basicConstraints: '2.5.29.19', keyUsage: '2.5.29.15', subjectAltName: '2.5.29.17',
  ski: '2.5.29.14', aki: '2.5.29.35',
  ecdsa: { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' },
  rsa: { sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13' },
  ed25519: '1.3.101.112',
} as const;

function buildName(s: SubjectSpec): pkijs.RelativeDistinguishedNames {
  const attrs: pkijs.AttributeTypeAndValue[] = [];
  if (s.country) attrs.push(new pkijs.AttributeTypeAndValue({ type: OID.c, value: new asn1js.PrintableString({ value: s.country }) }));
  if (s.organization) attrs.push(new pkijs.AttributeTypeAndValue({ type: OID.o, value: new asn1js.Utf8String({ value: s.organization }) }));
  attrs.push(new pkijs.AttributeTypeAndValue({ type: OID.cn, value: new asn1js.Utf8String({ value: s.commonName }) }));
  // One attribute per RDN (pkijs would put them all into one multi-valued RDN).
  const name = new asn1js.Sequence({ value: attrs.map((a) => new asn1js.Set({ value: [a.toSchema()] })) });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER());
}

function time(d: Date): pkijs.Time {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

function keyUsageBits(names: KeyUsageName[]): asn1js.BitString {
  let bits = 0;
  for (const n of names) bits |= 0x8000 >> KEY_USAGE_BITS[n];
  const bytes = bits & 0xff ? [bits >> 8, bits & 0xff] : [bits >> 8];
  const last = bytes[bytes.length - 1]!;
  let unused = 0;
  while (unused < 7 && !(last & (1 << unused))) unused++; // DER: trailing zero bits are not encoded
  return new asn1js.BitString({ valueHex: new Uint8Array(bytes).buffer, unusedBits: unused });
}

function ext(extnID: string, critical: boolean, value: { toBER(): ArrayBuffer }): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
}

/** The signature algorithm a key signs certificates with. */
function signatureAlgorithm(key: KeyObject, hash: 'sha256' | 'sha384' | 'sha512'): { oid: string; nodeHash: string | null } {
  switch (key.asymmetricKeyType) {
    case 'ec': return { oid: OID.ecdsa[hash], nodeHash: hash };
    case 'rsa': return { oid: OID.rsa[hash], nodeHash: hash };
    case 'ed25519': return { oid: OID.ed25519, nodeHash: null };
    default: throw new Error(`cannot sign certificates with a ${key.asymmetricKeyType} key`);
  }
}

/** SHA-1 of the subjectPublicKey bits: the usual subject key identifier (RFC 5280 §4.2.1.2 (1)). */
function keyIdentifier(spki: pkijs.PublicKeyInfo): Uint8Array {
  return createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest();
}

/**
 * Issue an X.509 v3 certificate. The structure is built with pkijs; the signature is made with
 * node:crypto directly (synchronous, and works the same for ECDSA, RSA and Ed25519 issuers).
 * @returns the certificate in DER.
 */
export function issueCertificate(spec: IssueSpec): Buffer {
  const hash = spec.hash ?? 'sha256';
  const now = Date.now();
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f | 0x01; // positive, no leading zero byte
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  cert.subject = buildName(spec.subject);
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spec.publicKey.export({ type: 'spki', format: 'der' }));
  cert.notBefore = time(spec.notBefore ?? new Date(now - 60_000));
  cert.notAfter = time(spec.notAfter ?? new Date(now + 2 * 365 * 86_400_000));

  const ski = keyIdentifier(cert.subjectPublicKeyInfo);
  let issuerSki = ski;
  if (spec.issuerCertificate) {
    const issuer = pkijs.Certificate.fromBER(spec.issuerCertificate);
    cert.issuer = issuer.subject;
    issuerSki = keyIdentifier(issuer.subjectPublicKeyInfo);
  } else {
    cert.issuer = cert.subject;
  }

  const extensions: pkijs.Extension[] = [
    ext(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: !!spec.ca }).toSchema()),
    ext(OID.keyUsage, true, keyUsageBits(spec.keyUsage ?? (spec.ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature', 'nonRepudiation']))),
    ext(OID.ski, false, new asn1js.OctetString({ valueHex: ski })),
  ];
  if (spec.issuerCertificate) {
    extensions.push(ext(OID.aki, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: issuerSki }) }).toSchema()));
  }
  if (spec.partyId) {
    const san = new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 6, value: partyUri(spec.partyId) })] });
    extensions.push(ext(OID.subjectAltName, false, san.toSchema()));
  }
  cert.extensions = extensions;

  const alg = signatureAlgorithm(spec.issuerKey, hash);
  // RSA PKCS#1 v1.5 carries an explicit NULL parameter; ECDSA and Ed25519 carry none (RFC 5758, 8410).
  const algId = () => new pkijs.AlgorithmIdentifier({
    algorithmId: alg.oid,
    ...(spec.issuerKey.asymmetricKeyType === 'rsa' ? { algorithmParams: new asn1js.Null() } : {}),
  });
  cert.signature = algId();
  cert.signatureAlgorithm = algId();
  cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
  const sig = cryptoSign(alg.nodeHash, cert.tbsView, spec.issuerKey);
  cert.signatureValue = new asn1js.BitString({ valueHex: sig });
  return Buffer.from(cert.toSchema().toBER());
}

/** DER → PEM with the given label. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** First PEM block with the given label → DER. */
export function fromPem(pem: string, label = 'CERTIFICATE'): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!m) throw new Error(`no ${label} PEM block found`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}
