import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/*
 * RFC 3161 time-stamps with pkijs: a TimeStampReq over SHA-256 of the datum (a checkpoint's
 * signature bytes), POSTed as application/timestamp-query; the TimeStampResp's token is a CMS
 * SignedData whose TSTInfo names the same imprint. Verification needs only the token, the datum
 * and (to trust the TSA) its CA certificates.
 */

const TST_INFO = '1.2.840.113549.1.9.16.1.4';
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const EKU_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const EXT_KEY_USAGE = '2.5.29.37';

/** A time-stamp token obtained and checked. */
export interface TimestampResult {
  /** The TimeStampToken: CMS ContentInfo, DER. */
  token: Buffer;
  genTime: Date;
}

/** Why a token was refused. */
export class TimestampError extends Error {
  override name = 'TimestampError';
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The minimal DER content of a positive INTEGER: no leading zero bytes, one 0x00 when the top bit is set. */
function derPositive(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : Buffer.from(v);
}

/** Build a DER TimeStampReq for SHA-256(datum) with a random nonce. */
export function timestampRequest(datum: Uint8Array, nonce: Buffer = randomBytes(8)): Buffer {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(createHash('sha256').update(datum).digest()) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toArrayBuffer(derPositive(nonce)) }),
    certReq: true,
  });
  return Buffer.from(req.toSchema().toBER(false));
}

/**
 * Ask the TSA at `url` for a token over `datum`, and check it (imprint, nonce, signature; chain
 * to `anchors` when given) before it is kept.
 * @throws TimestampError when the TSA cannot be reached or its answer is refused.
 */
export async function requestTimestamp(url: string, datum: Uint8Array, options: { anchors?: readonly Uint8Array[]; timeoutMs?: number } = {}): Promise<TimestampResult> {
  const nonce = randomBytes(8);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: timestampRequest(datum, nonce),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'error',
    });
  } catch (e) {
    throw new TimestampError(`time-stamping authority ${url} unreachable: ${(e as Error).message}`);
  }
  if (res.status !== 200) throw new TimestampError(`time-stamping authority ${url} answered HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(toArrayBuffer(body));
  } catch {
    throw new TimestampError(`time-stamping authority ${url} sent something that is not a TimeStampResp`);
  }
  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw new TimestampError(`time-stamping authority ${url} refused (status ${status}${text ? `: ${text}` : ''})`);
  }
  if (!resp.timeStampToken) throw new TimestampError(`time-stamping authority ${url} granted but sent no token`);
  const token = Buffer.from(resp.timeStampToken.toSchema().toBER(false));
  const verdict = await verifyTimestampToken(token, datum, { anchors: options.anchors, nonce });
  if (!verdict.ok) throw new TimestampError(`time-stamp token from ${url} refused: ${verdict.message}`);
  return { token, genTime: verdict.genTime };
}

/** Result of {@link verifyTimestampToken}. */
export type TimestampVerdict =
  | { ok: true; genTime: Date; tsa: string }
  | { ok: false; message: string };

/**
 * Check an RFC 3161 token over `datum`: its TSTInfo imprint is SHA-256(datum), the CMS signature
 * verifies with the TSA certificate it carries, that certificate may time-stamp (extended key
 * usage timeStamping), and — with `anchors` — it chains to one of them at the token's time.
 */
export async function verifyTimestampToken(token: Uint8Array, datum: Uint8Array, options: { anchors?: readonly Uint8Array[]; nonce?: Buffer } = {}): Promise<TimestampVerdict> {
  let signed: pkijs.SignedData;
  let tst: pkijs.TSTInfo;
  try {
    const ci = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
    if (ci.contentType !== SIGNED_DATA) return { ok: false, message: 'the token is not CMS SignedData' };
    signed = new pkijs.SignedData({ schema: ci.content });
    if (signed.encapContentInfo.eContentType !== TST_INFO || !signed.encapContentInfo.eContent) return { ok: false, message: 'the token carries no TSTInfo' };
    tst = pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent.getValue());
  } catch (e) {
    return { ok: false, message: `the token is unreadable (${(e as Error).message})` };
  }
  if (tst.messageImprint.hashAlgorithm.algorithmId !== SHA256_OID) return { ok: false, message: 'the token does not use SHA-256' };
  const imprint = Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!imprint.equals(createHash('sha256').update(datum).digest())) {
    return { ok: false, message: 'the token time-stamps other data (its message imprint differs)' };
  }
  if (options.nonce) {
    const got = tst.nonce ? Buffer.from(tst.nonce.valueBlock.valueHexView) : undefined;
    if (!got || BigInt(`0x${got.toString('hex') || '0'}`) !== BigInt(`0x${options.nonce.toString('hex')}`)) {
      return { ok: false, message: 'the token does not repeat the request nonce' };
    }
  }
  const anchors = (options.anchors ?? []).map((d) => pkijs.Certificate.fromBER(toArrayBuffer(d)));
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify({ signer: 0, data: toArrayBuffer(datum), checkChain: anchors.length > 0, trustedCerts: anchors, extendedMode: true });
  } catch (e) {
    const r = e as { message?: string; signatureVerified?: boolean | null };
    return { ok: false, message: `the token's signature does not verify: ${r.message ?? String(e)}` };
  }
  if (!result.signatureVerified) return { ok: false, message: `the token's signature does not verify: ${result.message}` };
  const tsaCert = result.signerCertificate;
  if (!tsaCert) return { ok: false, message: 'the token carries no TSA certificate' };
  const eku = tsaCert.extensions?.find((x) => x.extnID === EXT_KEY_USAGE)?.parsedValue as pkijs.ExtKeyUsage | undefined;
  if (!eku?.keyPurposes.includes(EKU_TIME_STAMPING)) return { ok: false, message: 'the TSA certificate may not issue time-stamps (no extended key usage timeStamping)' };
  const tsa = tsaCert.subject.typesAndValues.map((tv) => `${tv.type === '2.5.4.3' ? 'CN' : tv.type === '2.5.4.6' ? 'C' : tv.type === '2.5.4.10' ? 'O' : tv.type}=${String(tv.value.valueBlock.value)}`).join(', ');
  return { ok: true, genTime: tst.genTime, tsa };
}
