import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xmlRegisterInputProvider } from 'libxml2-wasm';

/*
 * The only way libxml2 may read a file (design.md §6): an input provider that serves `.xsd`
 * files inside an allowed schemas/ tree and nothing else — no http:, no ftp:, no file outside
 * the tree, no `..` segments. It matches every name so that no other loader gets a chance.
 * It also records what it served, so that a compile can prove every xs:import/xs:include
 * was really loaded (libxml2 skips a failed import silently).
 */

const allowedRoots = new Set<string>();
const open = new Map<number, { data: Uint8Array; pos: number }>();
let nextFd = 1;
let recorder: Set<string> | undefined;
let refused: string[] = [];
let registered = false;

/** Allow reads below `root` (an absolute folder; symlinks resolved). Registers the provider once per process. */
export function allowSchemaRoot(root: string): void {
  allowedRoots.add(realpathSync(root));
  if (!registered) {
    if (!xmlRegisterInputProvider({ match: () => true, open: openFile, read: readFile, close: closeFile })) {
      throw new Error('libxml2 refused the schema input provider (callback table full)');
    }
    registered = true;
  }
}

/** Resolve a name libxml2 asks for to an allowed absolute path, or undefined (refused). */
export function allowedPath(name: string): string | undefined {
  let path: string;
  if (name.startsWith('file://')) {
    try { path = fileURLToPath(name); } catch { return undefined; }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(name)) {
    return undefined; // http:, https:, ftp:, data:, … never
  } else {
    path = name;
  }
  if (!isAbsolute(path) || path.split(/[\\/]/).includes('..') || !path.endsWith('.xsd')) return undefined;
  let real: string;
  try { real = realpathSync(resolve(path)); } catch { return undefined; }
  for (const root of allowedRoots) {
    const rel = relative(root, real);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`)) return real;
  }
  return undefined;
}

function openFile(name: string): number | undefined {
  const path = allowedPath(name);
  if (!path) {
    refused.push(name);
    return undefined;
  }
  let data: Uint8Array;
  try { data = readFileSync(path); } catch { refused.push(name); return undefined; }
  const fd = nextFd++;
  open.set(fd, { data, pos: 0 });
  recorder?.add(path);
  return fd;
}

function readFile(fd: number, buf: Uint8Array): number {
  const f = open.get(fd);
  if (!f) return -1;
  const n = Math.min(buf.byteLength, f.data.length - f.pos);
  buf.set(f.data.subarray(f.pos, f.pos + n));
  f.pos += n;
  return n;
}

function closeFile(fd: number): boolean {
  return open.delete(fd);
}

/** Run `fn` while recording every file served; returns its result, the served paths and the refused names. */
export function recordLoads<T>(fn: () => T): { result: T; served: Set<string>; refused: string[] } {
  const served = new Set<string>();
  recorder = served;
  refused = [];
  try {
    const result = fn();
    return { result, served, refused: [...refused] };
  } finally {
    recorder = undefined;
  }
}
