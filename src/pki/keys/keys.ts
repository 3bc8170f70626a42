import { createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** Key types the development PKI and `bxg pki init` can make. */
export type KeyType = 'ec-p256' | 'rsa-2048' | 'rsa-3072';

/** The key types accepted by `--key-type`. */
export const KEY_TYPES: readonly KeyType[] = ['ec-p256', 'rsa-2048', 'rsa-3072'];

function keyGenArgs(type: KeyType): ['ec', { namedCurve: string }] | ['rsa', { modulusLength: number }] {
  switch (type) {
    case 'ec-p256': return ['ec', { namedCurve: 'P-256' }];
    case 'rsa-2048': return ['rsa', { modulusLength: 2048 }];
    case 'rsa-3072': return ['rsa', { modulusLength: 3072 }];
    default: throw new Error(`unknown key type: ${String(type)}`);
  }
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Generate a private key (off the main thread: RSA-3072 takes a while). */
export async function generatePrivateKey(type: KeyType): Promise<KeyObject> {
  const [kind, opts] = keyGenArgs(type);
  const { privateKey } = await (generateKeyPairAsync as (k: string, o: object) => Promise<{ privateKey: KeyObject }>)(kind, opts);
  return privateKey;
}

/** Synchronous variant, for tests. */
export function generatePrivateKeySync(type: KeyType): KeyObject {
  const [kind, opts] = keyGenArgs(type);
  return (generateKeyPairSync as (k: string, o: object) => { privateKey: KeyObject })(kind, opts).privateKey;
}

/** Load a PEM or DER private key from a file (PKCS#8, SEC1 or PKCS#1). Only `pki` calls this. */
export function loadPrivateKeyFile(path: string): KeyObject {
  const data = readFileSync(path);
  return data.includes('-----BEGIN') ? createPrivateKey(data) : createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
}

/** PKCS#8 PEM of a private key (what `bxg pki init` writes). */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** The public half of a private key. */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}
