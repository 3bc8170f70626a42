import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSigningPayload, signJsonDocument, verifyJsonDocument } from '../../src/pki/jws/index.ts';
import { jwsKeys, signerOf } from './support/jws-vectors.ts';

/* For generated JSON objects: what bxg signs verifies (both engines) after a JSON round trip, and not after a change. */
const k = jwsKeys();
const trusted = { publicKey: k.es256.publicKey, certificate: k.es256.certDer };
const obj = fc.dictionary(fc.string({ maxLength: 8 }).filter((s) => s !== 'signature' && s !== '__proto__'), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 8 })
  .filter((o) => { try { jsonSigningPayload(o); return true; } catch { return false; } });

describe('JWS property', () => {
  it('sign → JSON text → parse → verify; any added property breaks it', async () => {
    await fc.assert(fc.asyncProperty(obj, async (o) => {
      const wire = JSON.parse(JSON.stringify(signJsonDocument(o, signerOf(k.es256)))) as Record<string, unknown>;
      for (const engine of ['node', 'jose'] as const) {
        await expect(verifyJsonDocument(wire, trusted, { engine })).resolves.toMatchObject({ alg: 'ES256' });
        await expect(verifyJsonDocument({ ...wire, zzExtra: 0 }, trusted, { engine })).rejects.toThrow(/does not verify/);
      }
    }), { numRuns: 50 });
  });
});
