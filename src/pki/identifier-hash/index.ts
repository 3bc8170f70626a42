/**
 * The keyed hash of traveller identifiers (issue 12): HMAC-SHA256 with a secret key that only
 * this part reads. The risk database stores and compares these hashes, never clear identifiers.
 *
 * The key is a 32-byte random secret in a file of its own (default `CERTS_DIR/identifier-hmac.key`,
 * created with mode 0600 on first use, or a file an operator provides). It is not derived from
 * the gateway's signing key: that key rotates, and every stored hash would stop matching with it.
 * @module pki/identifier-hash
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** File name of the key inside the certificates directory. */
export const IDENTIFIER_KEY_FILE = 'identifier-hmac.key';

/** The algorithm, as the risk.record code list names it. */
export const IDENTIFIER_HASH_ALGORITHM = 'HMAC-SHA256';

/** Hashes identifiers with the gateway's key; the key itself is not reachable from outside. */
export interface IdentifierHasher {
  /** Public id of the key (the `keyId` of risk.record identifier hashes): derived from the key, reveals nothing of it. */
  readonly keyId: string;
  readonly algorithm: typeof IDENTIFIER_HASH_ALGORITHM;
  /** HMAC-SHA256 of `canonical` (already normalised by the caller), base64url without padding. */
  hash(canonical: string): string;
}

/** Options of {@link loadIdentifierHasher}. */
export interface IdentifierHasherOptions {
  /** The certificates directory (the key file is created there when missing). */
  certsDir?: string;
  /** An explicit key file (hex or raw, at least 32 bytes); never created. */
  keyFile?: string;
}

function readKey(file: string): Buffer {
  const raw = readFileSync(file);
  const text = raw.toString('latin1').trim();
  const key = /^[0-9a-fA-F]{64,}$/.test(text) ? Buffer.from(text, 'hex') : raw;
  if (key.length < 32) throw new Error(`identifier hash key ${file} is shorter than 32 bytes`);
  return key;
}

/**
 * The gateway's identifier hasher: reads the key file (creating a random one in `certsDir` when
 * no explicit file is given and none exists yet).
 * @throws Error when the key file is unreadable or too short.
 */
export function loadIdentifierHasher(opts: IdentifierHasherOptions): IdentifierHasher {
  let file = opts.keyFile;
  if (!file) {
    if (!opts.certsDir) throw new Error('identifier hash key: give certsDir or keyFile');
    file = join(opts.certsDir, IDENTIFIER_KEY_FILE);
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      // 'wx': two instances starting at once must not overwrite each other's key.
      try {
        writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
  const key = readKey(file);
  const keyId = `bxg-trv-${createHmac('sha256', key).update('bxg identifier key id').digest('hex').slice(0, 16)}`;
  return Object.freeze({
    keyId,
    algorithm: IDENTIFIER_HASH_ALGORITHM,
    hash: (canonical: string) => createHmac('sha256', key).update(canonical, 'utf8').digest('base64url'),
  });
}
