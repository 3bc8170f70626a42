import type { XmlElement } from 'libxml2-wasm';
import type { DocumentVerifier } from '../../audit/index.ts';
import { parseJson } from '../../json/index.ts';
import {
  trustedKeyFromCertificate, validatePath, verifyJsonDocument, verifyXmlElementSignature, type ParsedCertificate, type TrustedKey,
} from '../../pki/index.ts';
import { parseXml } from '../../xml/index.ts';
import { readEnvelopeJson, readEnvelopeXml } from '../envelope/index.ts';

/**
 * The exchange's check of an evidence bundle's document, offline: read the envelope the bundle
 * holds, and verify the author's signature on the inner document as the pipeline did — but with
 * the bundle's certificates, trusted only through a path to the auditor's anchors at the time
 * the gateway received the message. An XML signature naming no certificate is checked with the
 * certificate the archive recorded for the author (the manifest's `documentKeyId`).
 */
export const verifyArchivedDocument: DocumentVerifier = async (message, certificates, anchors, at) => {
  const trusted = async (cert: ParsedCertificate | undefined, what: string): Promise<TrustedKey> => {
    if (!cert) throw new Error(`the bundle holds no certificate for ${what}`);
    await validatePath({ leaf: cert, anchors: [...anchors], intermediates: certificates.filter((c) => c.isCa), at, now: at, purpose: 'document' });
    return trustedKeyFromCertificate(cert.der);
  };
  const byKeyId = (keyId: string | undefined) => certificates.find((c) => !c.isCa && c.keyId === keyId);
  if (/json/i.test(message.mediaType)) {
    const { document } = readEnvelopeJson(parseJson(message.bytes));
    const r = await verifyJsonDocument(document, (info) => trusted(byKeyId(info.kid), `key id ${info.kid ?? '(none)'}`), { anyTrustedParty: true });
    return { author: r.signer.party?.id ?? r.signer.keyId };
  }
  const doc = parseXml(message.bytes);
  try {
    const { document } = readEnvelopeXml(doc);
    const r = await verifyXmlElementSignature(doc, document as XmlElement, (info) => {
      const named = info.keyInfoCertificates.map((d) => certificates.find((c) => c.der.equals(d))).find(Boolean);
      return trusted(named ?? byKeyId(message.documentKeyId), info.keyInfoCertificates.length ? 'the certificate its KeyInfo names' : `key id ${message.documentKeyId ?? '(none recorded)'}`);
    }, { anyTrustedParty: true });
    return { author: r.signer.party?.id ?? r.signer.keyId };
  } finally {
    doc.dispose();
  }
};
