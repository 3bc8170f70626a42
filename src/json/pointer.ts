/** Escape one JSON Pointer segment (RFC 6901). */
export function escapeSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Split a JSON Pointer into unescaped segments (`''` → `[]`). */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Join segments into a JSON Pointer. */
export function joinPointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => '/' + escapeSegment(String(s))).join('');
}

/** The value at a JSON Pointer, or undefined. */
export function getAtPointer(value: unknown, pointer: string): unknown {
  let v: unknown = value;
  for (const seg of splitPointer(pointer)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Object.hasOwn(v, seg) ? (v as Record<string, unknown>)[seg] : undefined;
  }
  return v;
}
