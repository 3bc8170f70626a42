/*
 * Document signatures, in-process, one core (issue 4). Goals on the 2-core machine, ECDSA P-256:
 * XML (5 KB) verify ≥ 2,000/s and sign ≥ 1,500/s; JSON (3 KB) verify ≥ 5,000/s and sign ≥ 6,000/s.
 * Next to bxg, in the same run: raw node:crypto sign/verify over the same bytes (the floor),
 * xml-crypto 6 (xmldom) for XML, and jose's flattenedVerify for JSON.
 * "verify (parsed)" starts from the XmlDocument the validator already parsed (the pipeline's
 * case); "parse + verify" includes the hardened parse. Rates are given per CPU second of this
 * process (the one-core figure, stable on a shared machine) and per wall-clock second.
 */
import { sign, verify } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { flattenedVerify } from 'jose';
import { createSigner, jsonSigningPayload, JWS_ALGORITHMS, signJsonDocument, signXml, verifyJsonDocument, verifyXmlSignatureSync } from '../src/pki/index.ts';
import { createTestPki } from '../test/support/test-pki.ts';
import { parseXml } from '../src/xml/index.ts';
import { measure, warmUp, type Measured } from './measure.ts';
import { profileSignedXml } from '../test/pki/support/xml-crypto-profile.ts';
import { sampleJson } from '../test/pki/support/json-fixtures.ts';
import { sampleXml } from '../test/pki/support/xml-fixtures.ts';

interface Row extends Measured {
  what: string;
  bytes: number;
}

/** Measure and print the table; returns the rows. */
export async function run(): Promise<Row[]> {
  const party = createTestPki().party('KR:KCS');
  const signer = createSigner(party.key, party.certDer);
  const trusted = { publicKey: party.publicKey, certificate: party.certDer };
  const rows: Row[] = [];
  const add = async (what: string, bytes: number, fn: () => unknown) => rows.push({ what, bytes, ...(await measure(fn)) });
  
  const ec = { key: party.key, dsaEncoding: 'ieee-p1363' } as const;
  const ecPub = { key: party.publicKey, dsaEncoding: 'ieee-p1363' } as const;

  // XML, 5 KB.
  const xml = sampleXml(5 * 1024);
  const signedXml = signXml(xml, signer);
  const rawSig = sign('sha256', xml, ec);
  warmUp(() => {
    const d = parseXml(signXml(xml, signer));
    try { verifyXmlSignatureSync(d, trusted); } finally { d.dispose(); }
  });
  await add('XML: node:crypto ECDSA sign (raw bytes)', xml.length, () => sign('sha256', xml, ec));
  await add('XML: node:crypto ECDSA verify (raw bytes)', xml.length, () => verify('sha256', xml, ecPub, rawSig));
  await add('XML: bxg sign (guard, parse, c14n, sign)', xml.length, () => signXml(xml, signer));
  const parsed = parseXml(signedXml);
  await add('XML: bxg verify (parsed document)', signedXml.length, () => verifyXmlSignatureSync(parsed, trusted));
  await add('XML: bxg parse + verify', signedXml.length, () => {
    const d = parseXml(signedXml);
    try { verifyXmlSignatureSync(d, trusted); } finally { d.dispose(); }
  });
  parsed.dispose();
  const xmlText = xml.toString('utf8');
  const signedText = signedXml.toString('utf8');
  const keyPem = party.key.export({ type: 'pkcs8', format: 'pem' }) as string;
  await add('XML: xml-crypto sign', xml.length, () => {
    const sx = profileSignedXml({ privateKey: keyPem, publicCert: party.certPem, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    sx.addReference({ xpath: '/*', isEmptyUri: true, transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
    sx.computeSignature(xmlText, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  });
  await add('XML: xml-crypto parse + verify', signedXml.length, () => {
    const doc = new DOMParser().parseFromString(signedText, 'text/xml');
    const sig = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
    const sx = profileSignedXml({ publicCert: party.certPem, getCertFromKeyInfo: () => null });
    sx.loadSignature(sig);
    if (!sx.checkSignature(signedText)) throw new Error('xml-crypto did not verify');
  });

  // JSON, 3 KB (compact).
  const json = sampleJson(3 * 1024);
  const jsonBytes = Buffer.from(JSON.stringify(json));
  const signedJson = signJsonDocument(json, signer);
  const rawJsonSig = sign('sha256', jsonBytes, ec);
  await add('JSON: node:crypto ECDSA sign (raw bytes)', jsonBytes.length, () => sign('sha256', jsonBytes, ec));
  await add('JSON: node:crypto ECDSA verify (raw bytes)', jsonBytes.length, () => verify('sha256', jsonBytes, ecPub, rawJsonSig));
  await add('JSON: bxg sign (RFC 8785 + JWS ES256)', jsonBytes.length, () => signJsonDocument(json, signer));
  await add('JSON: bxg verify (default: checks + node:crypto)', jsonBytes.length, () => verifyJsonDocument(signedJson, trusted));
  await add('JSON: bxg verify (engine jose)', jsonBytes.length, () => verifyJsonDocument(signedJson, trusted, { engine: 'jose' }));
  const flattened = { ...signedJson.signature, payload: jsonSigningPayload(signedJson).toString('base64url') };
  await add('JSON: jose flattenedVerify alone (payload ready)', jsonBytes.length, () => flattenedVerify(flattened, party.publicKey, { algorithms: [...JWS_ALGORITHMS] }));
  await add('JSON: RFC 8785 canonicalize alone', jsonBytes.length, () => jsonSigningPayload(signedJson));

  // On a shared machine wall-clock rates drop with others' load; CPU-time rates are the one-core figure.
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log('| what | bytes | per CPU second | per wall second | CPU µs each |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${r.bytes} | ${fmt(r.perCpuSecond)} | ${fmt(r.perSecond)} | ${r.microseconds.toFixed(1)} |`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
