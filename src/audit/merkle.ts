import { createHash } from 'node:crypto';

/*
 * RFC 9162 §2.1 Merkle tree hashes over a checkpoint's batch of entry hashes: leaves are the
 * 32-byte entry hashes, a leaf hashes as SHA-256(0x00 || d), an inner node as
 * SHA-256(0x01 || left || right), and a tree of n > 1 leaves splits at the largest power of
 * two below n. An inclusion proof is then at most log2(batch size) hashes, and reveals nothing
 * about the other entries of the batch.
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** MTH of one leaf: SHA-256(0x00 || entry hash). */
export function leafHash(entryHash: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(entryHash).digest();
}

function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/**
 * The RFC 9162 Merkle tree hash of `entryHashes` (raw 32-byte values, in sequence order).
 * Bottom-up: pair neighbours, carry an odd last node up unchanged, which builds the same tree
 * as the RFC's split at the largest power of two.
 */
export function merkleRoot(entryHashes: readonly Uint8Array[]): Buffer {
  if (!entryHashes.length) throw new Error('a Merkle tree needs at least one leaf');
  let level: Buffer[] = entryHashes.map(leafHash);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf `index`, nearest sibling first. */
export function inclusionPath(entryHashes: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= entryHashes.length) throw new Error(`leaf index ${index} outside a tree of ${entryHashes.length}`);
  const path = (m: number, d: readonly Uint8Array[]): Buffer[] => {
    if (d.length === 1) return [];
    const k = largestPowerOfTwoBelow(d.length);
    return m < k
      ? [...path(m, d.slice(0, k)), merkleRoot(d.slice(k))]
      : [...path(m - k, d.slice(k)), merkleRoot(d.slice(0, k))];
  };
  return path(index, entryHashes);
}

/**
 * RFC 9162 §2.1.3.2: the root an inclusion path leads to from leaf `index` of a tree of
 * `treeSize` leaves, or undefined when the path has the wrong length for that position.
 */
export function rootFromInclusionPath(entryHash: Uint8Array, index: number, treeSize: number, path: readonly Uint8Array[]): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return undefined;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(entryHash);
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
