import { hash } from 'node:crypto';

/*
 * RFC 9162 §2.1 Merkle tree hashes over a checkpoint's batch of entry hashes: leaves are the
 * 32-byte entry hashes, a leaf hashes as SHA-256(0x00 || d), an inner node as
 * SHA-256(0x01 || left || right), and a tree of n > 1 leaves splits at the largest power of
 * two below n. An inclusion proof is then at most log2(batch size) hashes, and reveals nothing
 * about the other entries of the batch.
 *
 * Hashes travel as lower-case hex strings inside: the verifier hashes two million nodes per
 * million entries, and writing hex into one reused input buffer and asking for a hex digest
 * allocates no Buffer per node (a Buffer digest costs about twice as much).
 */

const HEX64 = /^[0-9a-f]{64}$/;
const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 1;

function leafHex(entryHash: string): string {
  leafInput.write(entryHash, 1, 'hex');
  return hash('sha256', leafInput, 'hex');
}

function nodeHex(left: string, right: string): string {
  nodeInput.write(left, 1, 'hex');
  nodeInput.write(right, 33, 'hex');
  return hash('sha256', nodeInput, 'hex');
}

function toHex(values: readonly (Uint8Array | string)[]): string[] {
  return values.map((v) => {
    const h = typeof v === 'string' ? v : Buffer.from(v).toString('hex');
    if (!HEX64.test(h)) throw new Error('a Merkle leaf is a 32-byte SHA-256 value');
    return h;
  });
}

/** MTH of one leaf: SHA-256(0x00 || entry hash). */
export function leafHash(entryHash: Uint8Array | string): Buffer {
  return Buffer.from(leafHex(toHex([entryHash])[0]!), 'hex');
}

/**
 * The RFC 9162 Merkle tree hash (hex) of entry hashes given as lower-case hex, in sequence
 * order. Bottom-up: pair neighbours, carry an odd last node up unchanged, which builds the same
 * tree as the RFC's split at the largest power of two. The caller vouches for the hex.
 */
export function merkleRootHex(entryHashes: readonly string[]): string {
  if (!entryHashes.length) throw new Error('a Merkle tree needs at least one leaf');
  let level: string[] = entryHashes.map(leafHex);
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHex(level[i]!, level[i + 1]!));
    if (level.length % 2) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** The RFC 9162 Merkle tree hash of `entryHashes` (32-byte values or hex, in sequence order). */
export function merkleRoot(entryHashes: readonly (Uint8Array | string)[]): Buffer {
  return Buffer.from(merkleRootHex(toHex(entryHashes)), 'hex');
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index`, nearest sibling first. */
export function inclusionPath(entryHashes: readonly (Uint8Array | string)[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= entryHashes.length) throw new Error(`leaf index ${index} outside a tree of ${entryHashes.length}`);
  const path = (m: number, d: readonly string[]): string[] => {
    if (d.length === 1) return [];
    const k = largestPowerOfTwoBelow(d.length);
    return m < k
      ? [...path(m, d.slice(0, k)), merkleRootHex(d.slice(k))]
      : [...path(m - k, d.slice(k)), merkleRootHex(d.slice(0, k))];
  };
  return path(index, toHex(entryHashes)).map((h) => Buffer.from(h, 'hex'));
}

/**
 * RFC 9162 §2.1.3.2: the root an inclusion path leads to from leaf `index` of a tree of
 * `treeSize` leaves, or undefined when the path has the wrong length for that position.
 */
export function rootFromInclusionPath(entryHash: Uint8Array | string, index: number, treeSize: number, path: readonly (Uint8Array | string)[]): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return undefined;
  let steps: string[];
  let r: string;
  try {
    steps = toHex(path);
    r = leafHex(toHex([entryHash])[0]!);
  } catch {
    return undefined;
  }
  let fn = index;
  let sn = treeSize - 1;
  for (const p of steps) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHex(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHex(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? Buffer.from(r, 'hex') : undefined;
}
