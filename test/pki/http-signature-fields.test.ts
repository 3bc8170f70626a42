import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkContentDigest, contentDigest, verifyHttpSignature, readSignatures, signatureBase,
  parseDictionary, parseItem, serializeDictionary, serializeInnerList, StructuredFieldError,
} from '../../src/pki/http-signatures/index.ts';

describe('RFC 8941 subset', () => {
  it('parses and re-serialises dictionaries with inner lists and parameters', () => {
    const raw = 'sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="k-1";nonce="abc";alg="ed25519",  sig2=:AQID:;x, flag';
    const d = parseDictionary(raw);
    expect([...d.keys()]).toEqual(['sig1', 'sig2', 'flag']);
    expect(serializeDictionary(d)).toBe('sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="k-1";nonce="abc";alg="ed25519", sig2=:AQID:;x, flag');
    expect(parseItem('"a\\"b";req;key="sig1"').params.get('key')).toBe('sig1');
    expect(parseItem('12.5').value).toBe(12.5);
    expect(parseItem('?0').value).toBe(false);
  });

  it('refuses malformed values', () => {
    for (const bad of ['sig1=("a" "b"', 'sig1=:not base64!:', 'Sig1=1', 'a=1,', 'a="\u00e9"', 'a=1 b=2', 'a=1234567890123456']) {
      expect(() => parseDictionary(bad), bad).toThrow(StructuredFieldError);
    }
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
