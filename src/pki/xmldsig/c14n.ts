import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import { exclusiveC14n, exclusiveC14nOfChild, exclusiveC14nOfElement, exclusiveC14nSubtreeSlow, exclusiveC14nWithoutSlow, type Canonical } from '../../xml/index.ts';
import { DSIG_NS } from './profile.ts';

/*
 * The canonicalisations of the XMLDSig profile, on src/xml's exclusive c14n (which owns the
 * libxml2-wasm internals its fast paths need).
 */

export type { Canonical };

/**
 * Exclusive c14n (no comments) of the whole document without `signature` (the last child of
 * the document element) — the node set the profile's `URI=""` + enveloped-signature transform
 * selects; `signature` null for the document as it is (signing).
 */
export function canonicalWithout(doc: XmlDocument, signature: XmlElement | null, hash: string | null, keepBytes = false): Canonical {
  return exclusiveC14n(doc, signature, hash, keepBytes);
}

/**
 * Exclusive c14n (no comments) of `element` standing alone, without `signature` (its last
 * child): what an enveloped `URI=""` signature of a standalone document covers once that
 * document is carried inside another.
 */
export function canonicalElementWithout(doc: XmlDocument, element: XmlElement, signature: XmlElement, hash: string | null, keepBytes = false): Canonical {
  return exclusiveC14nOfElement(doc, element, signature, hash, keepBytes);
}

/**
 * Exclusive c14n (no comments) of SignedInfo in its document context; valid once
 * {@link canonicalWithout} has succeeded on the document without `signature`.
 */
export function canonicalSignedInfo(doc: XmlDocument, signature: XmlElement, signedInfo: XmlElement): Buffer {
  return exclusiveC14nOfChild(doc, signature, signedInfo, DSIG_NS);
}

/** Exclusive c14n of one element's subtree through libxml2-wasm's public nodeSet filter (slow; for tests). */
export const canonicalSubtreeSlow = exclusiveC14nSubtreeSlow;

/** {@link canonicalWithout} through the public isVisible API (slow; the reference, for tests). */
export const canonicalWithoutSlow = exclusiveC14nWithoutSlow;
