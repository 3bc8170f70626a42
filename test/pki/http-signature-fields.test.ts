import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkContentDigest, contentDigest, verifyHttpSignature, readSignatures, signatureBase,
  parseDictionary, parseItem, serializeDictionary, serializeInnerList, StructuredFieldError, SfDecimal,
} from '../../src/pki/http-signatures/index.ts';

describe('RFC 8941 subset', () => {
  it('parses and re-serialises dictionaries with inner lists and parameters', () => {
    const raw = 'sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="k-1";nonce="abc";alg="ed25519",  sig2=:AQID:;x, flag';
    const d = parseDictionary(raw);
    expect([...d.keys()]).toEqual(['sig1', 'sig2', 'flag']);
    expect(serializeDictionary(d)).toBe('sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="k-1";nonce="abc";alg="ed25519", sig2=:AQID:;x, flag');
    expect(parseItem('"a\\"b";req;key="sig1"').params.get('key')).toBe('sig1');
    expect(parseItem('12.5').value).toEqual(new SfDecimal(12.5));
    expect(parseItem('12').value).toBe(12);
    expect(parseItem('?0').value).toBe(false);
  });

  it('refuses malformed values', () => {
    for (const bad of ['sig1=("a" "b"', 'sig1=:not base64!:', 'Sig1=1', 'a=1,', 'a="\u00e9"', 'a=1 b=2', 'a=1234567890123456']) {
      expect(() => parseDictionary(bad), bad).toThrow(StructuredFieldError);
    }
  });
});

describe('Integers and Decimals stay apart (RFC 8941 §3.3.1–3.3.2)', () => {
  it('a decimal is never read as an integer, and serialises as a decimal', () => {
    const d = parseDictionary('a=1700000000.0, b=1700000000, c=-0.5');
    expect(d.get('a')).toEqual({ value: new SfDecimal(1700000000), params: new Map() });
    expect(d.get('b')).toEqual({ value: 1700000000, params: new Map() });
    expect(serializeDictionary(d)).toBe('a=1700000000.0, b=1700000000, c=-0.5');
    expect(parseItem('"x";created=1700000000.0').params.get('created')).toBeInstanceOf(SfDecimal);
  });
});

describe('Signature and Signature-Input: no ambiguous labels or field lines', () => {
  const input = 'sig1=("@method" "@target-uri");created=1700000000;keyid="k";nonce="nnnnnnnnnnnnnnnn"';
  const sig = 'sig1=:AQID:';

  it('RFC 8941 lets a repeated key win silently; the unique option refuses it, and repeated parameters', () => {
    expect(parseDictionary('sig1=:AQ==:, sig1=:Ag==:').get('sig1')).toEqual({ value: new Uint8Array([2]), params: new Map() });
    expect(() => parseDictionary('sig1=:AQ==:, sig1=:Ag==:', { unique: true })).toThrow('repeated key sig1 at offset 13');
    expect(() => parseDictionary('sig1=("@method");created=1;created=2', { unique: true })).toThrow(/repeated parameter created/);
  });

  it('reads one well-formed signature', () => {
    expect(readSignatures({ 'signature-input': input, signature: sig })).toHaveLength(1);
  });

  it.each([
    ['a repeated label in Signature', { 'signature-input': input, signature: `${sig}, sig1=:BAUG:` }, /Signature: repeated key sig1/],
    ['a repeated label in Signature-Input', { 'signature-input': `${input}, ${input}`, signature: sig }, /Signature-Input: repeated key sig1/],
    ['Signature on two field lines', { 'signature-input': input, signature: [sig, sig] }, /Signature sent on 2 field lines/],
    ['Signature-Input on two field lines', { 'signature-input': [input, 'sig2=("@method")'], signature: sig }, /Signature-Input sent on 2 field lines/],
    ['a Signature label without input', { 'signature-input': input, signature: `${sig}, sig2=:AQID:` }, /Signature sig2 has no Signature-Input/],
    ['Signature without Signature-Input', { signature: sig }, /Signature without Signature-Input/],
    ['a repeated parameter', { 'signature-input': `${input};keyid="other"`, signature: sig }, /repeated parameter keyid/],
  ])('refuses %s', (_name, headers, message) => {
    expect(() => readSignatures(headers)).toThrow(message);
  });
});

describe('RFC 9530 Content-Digest', () => {
  it('computes and checks sha-256 and sha-512', () => {
    const body = Buffer.from('{"hello": "world"}');
    expect(contentDigest(body)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    // RFC 9421 appendix B.2 request digest
    expect(checkContentDigest('sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:', body)).toEqual({ ok: true });
    expect(checkContentDigest(contentDigest(body), Buffer.from('{"hello": "World"}')).ok).toBe(false);
    expect(checkContentDigest('md5=:AAAA:', body).ok).toBe(false);
    expect(checkContentDigest('garbage', body).ok).toBe(false);
  });
});

describe('RFC 9421 test vector (appendix B.2.6, Ed25519)', () => {
  const key = createPrivateKey('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n');
  const headers = {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
    'signature-input': 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    signature: 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
  };
  it('builds the same signature base and verifies the published signature', () => {
    const [entry] = readSignatures(headers);
    const base = signatureBase(entry!.params, { method: 'POST', url: 'https://example.com/foo?param=Value&Pet=dog', headers });
    expect(base).toBe([
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@method": POST',
      '"@path": /foo',
      '"@authority": example.com',
      '"content-type": application/json',
      '"content-length": 18',
      '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    ].join('\n'));
    expect(serializeInnerList(entry!.params)).toContain('keyid="test-key-ed25519"');
    expect(verifyHttpSignature('ed25519', createPublicKey(key), Buffer.from(base), entry!.signature)).toBe(true);
    expect(verifyHttpSignature('ed25519', createPublicKey(key), Buffer.from(base.replace('POST', 'PUT')), entry!.signature)).toBe(false);
  });
});
