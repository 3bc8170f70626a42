import { randomBytes } from 'node:crypto';
import {
  defaultHttpAlgorithm, HTTP_SIGNATURE_ALGORITHMS, algorithmFitsKey, type HttpSignatureAlgorithm,
} from './algorithms.ts';
import { signatureBase, type HttpMessage } from './base.ts';
import type { Signer } from '../keys/index.ts';
import {
  parseItem, serializeDictionary, serializeInnerList, type SfInnerList, type SfItem, type SfParams,
} from './structured-fields.ts';

/** What signing needs of a key: the {@link Signer} interface, or any object shaped like it. */
export type HttpSigner = Pick<Signer, 'keyId' | 'publicKey' | 'sign'>;

/** Options of one signature. */
export interface SignMessageOptions {
  /**
   * Covered components, in order: `@method`, `content-digest`, `@method;req`,
   * `signature;req;key="sig1"`, … (a name, then RFC 8941 parameters).
   */
  components: Array<string | SfItem>;
  /** Signature label (default `sig1`). */
  label?: string;
  /** `created`, Unix seconds (default now). */
  created?: number;
  /** `expires`, Unix seconds (optional). */
  expires?: number;
  /** `nonce` (default: 24 random bytes, base64url); `false` for none. */
  nonce?: string | false;
  /** `alg` (default: from the key); `false` to leave the parameter out. */
  alg?: HttpSignatureAlgorithm | false;
  /** `tag` (optional application tag). */
  tag?: string;
}

/** The two header values of a signature. */
export interface SignatureHeaders {
  'signature-input': string;
  signature: string;
}

/** A component given as `name;param=…` → the SF item (`"name";param=…`). */
export function componentItem(c: string | SfItem): SfItem {
  if (typeof c !== 'string') return c;
  const semi = c.indexOf(';');
  const name = semi < 0 ? c : c.slice(0, semi);
  const rest = semi < 0 ? '' : c.slice(semi);
  return parseItem(`"${name}"${rest}`);
}

/** A fresh nonce: 24 random bytes, base64url. */
export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Sign an HTTP message (RFC 9421): build the signature parameters and base, sign with the key,
 * and return the `Signature-Input` and `Signature` header values (one label each).
 * @param request the request, when signing a response with `;req` components.
 */
export function signMessage(signer: HttpSigner, message: HttpMessage, options: SignMessageOptions, request?: HttpMessage): SignatureHeaders {
  const alg = options.alg === false ? defaultHttpAlgorithm(signer.publicKey) : options.alg ?? defaultHttpAlgorithm(signer.publicKey);
  if (!alg) throw new Error('this key has no RFC 9421 algorithm (use EC P-256/P-384, RSA or Ed25519)');
  if (!algorithmFitsKey(alg, signer.publicKey)) throw new Error(`algorithm ${alg} does not fit this key`);
  const params: SfParams = new Map();
  params.set('created', options.created ?? Math.floor(Date.now() / 1000));
  if (options.expires !== undefined) params.set('expires', options.expires);
  params.set('keyid', signer.keyId);
  const nonce = options.nonce === undefined ? newNonce() : options.nonce;
  if (nonce !== false) params.set('nonce', nonce);
  if (options.alg !== false) params.set('alg', alg);
  if (options.tag !== undefined) params.set('tag', options.tag);
  const list: SfInnerList = { items: options.components.map(componentItem), params };
  const base = signatureBase(list, message, request);
  const sig = signer.sign(Buffer.from(base, 'utf8'), HTTP_SIGNATURE_ALGORITHMS[alg]);
  const label = options.label ?? 'sig1';
  return {
    'signature-input': `${label}=${serializeInnerList(list)}`,
    signature: serializeDictionary(new Map([[label, { value: new Uint8Array(sig), params: new Map() }]])),
  };
}
