import { X509Certificate } from 'node:crypto';
import { CA_SUBJECT } from './dev-pki.ts';

/**
 * Whether a certificate was issued by a development CA (`bxg pki init`), wherever it lies: its
 * issuer is the development root's name. Used to warn at start whenever the gateway signs with
 * a development key — also when CERTS_DIR points elsewhere — not only while CERTS_DIR is unset.
 * A name check, not a trust decision: it only decides whether to warn.
 */
export function issuedByDevelopmentCa(certificate: Uint8Array): boolean {
  try {
    const issuer = new X509Certificate(Buffer.from(certificate)).issuer.split('\n');
    return issuer.includes(`CN=${CA_SUBJECT.commonName}`) && issuer.includes(`O=${CA_SUBJECT.organization}`);
  } catch {
    return false;
  }
}
