/**
 * RFC 8941 Structured Field Values: the subset RFC 9421 and RFC 9530 need — Dictionaries whose
 * members are Items or Inner Lists, with Parameters; bare items integer, decimal, string, token,
 * byte sequence, boolean. Parsing follows RFC 8941 §4.2 (strict: any error fails the field).
 */

/** A token (unquoted identifier), kept apart from strings. */
export class SfToken {
  constructor(readonly value: string) {}
}

/** A bare item value. */
export type SfBareItem = number | string | boolean | Uint8Array | SfToken;
/** Parameters, in order. */
export type SfParams = Map<string, SfBareItem>;
/** An item with its parameters. */
export interface SfItem { value: SfBareItem; params: SfParams }
/** An inner list with its parameters. */
export interface SfInnerList { items: SfItem[]; params: SfParams }
/** A dictionary member. */
export type SfMember = SfItem | SfInnerList;
/** A dictionary, in order. */
export type SfDictionary = Map<string, SfMember>;

/** Thrown on any syntax error. */
export class StructuredFieldError extends Error {
  override name = 'StructuredFieldError';
}

/** True when a dictionary member is an inner list. */
export function isInnerList(m: SfMember): m is SfInnerList {
  return 'items' in m;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  fail(msg: string): never { throw new StructuredFieldError(`${msg} at offset ${this.i}`); }
  peek(): string | undefined { return this.s[this.i]; }
  skipSp(): void { while (this.s[this.i] === ' ') this.i++; }
  skipOws(): void { while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++; }

  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected a key');
    this.i += m[0].length;
    return m[0];
  }

  bareItem(): SfBareItem {
    const c = this.peek();
    if (c === undefined) this.fail('expected an item');
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    if (/[A-Za-z*]/.test(c)) return this.token();
    return this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  number(): number {
    const m = /^-?[0-9]{1,15}(\.[0-9]{1,3})?/.exec(this.s.slice(this.i));
    if (!m) this.fail('bad number');
    if (!m[1] && m[0].replace('-', '').length > 15) this.fail('integer too long');
    if (m[1] && m[0].replace('-', '').split('.')[0]!.length > 12) this.fail('decimal too long');
    const next = this.s[this.i + m[0].length];
    if (next !== undefined && /[0-9.]/.test(next)) this.fail('bad number');
    this.i += m[0].length;
    return Number(m[0]);
  }

  string(): string {
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '\\') {
        const n = this.s[this.i++];
        if (n !== '"' && n !== '\\') this.fail('bad escape');
        out += n;
      } else if (c === '"') {
        return out;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('bad string character');
        out += c;
      }
    }
  }

  token(): SfToken {
    const m = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(this.s.slice(this.i));
    this.i += m![0].length;
    return new SfToken(m![0]);
  }

  bytes(): Uint8Array {
    this.i++;
    const end = this.s.indexOf(':', this.i);
    if (end < 0) this.fail('unterminated byte sequence');
    const b64 = this.s.slice(this.i, end);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) this.fail('bad base64');
    this.i = end + 1;
    return new Uint8Array(Buffer.from(b64, 'base64'));
  }

  boolean(): boolean {
    this.i++;
    const c = this.s[this.i++];
    if (c === '1') return true;
    if (c === '0') return false;
    return this.fail('bad boolean');
  }

  params(): SfParams {
    const params: SfParams = new Map();
    while (this.peek() === ';') {
      this.i++;
      this.skipSp();
      const k = this.key();
      let v: SfBareItem = true;
      if (this.peek() === '=') { this.i++; v = this.bareItem(); }
      params.set(k, v);
    }
    return params;
  }

  item(): SfItem {
    const value = this.bareItem();
    return { value, params: this.params() };
  }

  innerList(): SfInnerList {
    this.i++;
    const items: SfItem[] = [];
    for (;;) {
      this.skipSp();
      if (this.peek() === ')') { this.i++; return { items, params: this.params() }; }
      items.push(this.item());
      const c = this.peek();
      if (c !== ' ' && c !== ')') this.fail('expected space or ) in inner list');
    }
  }

  member(): SfMember {
    return this.peek() === '(' ? this.innerList() : this.item();
  }

  dictionary(): SfDictionary {
    const dict: SfDictionary = new Map();
    this.skipSp();
    if (this.i >= this.s.length) return dict;
    for (;;) {
      const k = this.key();
      let m: SfMember;
      if (this.peek() === '=') { this.i++; m = this.member(); } else { m = { value: true, params: this.params() }; }
      dict.set(k, m);
      this.skipOws();
      if (this.i >= this.s.length) return dict;
      if (this.s[this.i++] !== ',') this.fail('expected ,');
      this.skipOws();
      if (this.i >= this.s.length) this.fail('trailing comma');
    }
  }
}

/** Parse a Dictionary field value (RFC 8941 §4.2.2). */
export function parseDictionary(value: string): SfDictionary {
  const p = new Parser(value.trim());
  const d = p.dictionary();
  if (p.i !== p.s.length) p.fail('trailing characters');
  return d;
}

/** Parse an Item field value (RFC 8941 §4.2.3). */
export function parseItem(value: string): SfItem {
  const p = new Parser(value.trim());
  const item = p.item();
  if (p.i !== p.s.length) p.fail('trailing characters');
  return item;
}

/** Serialise a bare item (RFC 8941 §4.1.3). */
export function serializeBareItem(v: SfBareItem): string {
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new StructuredFieldError('number out of range');
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  }
  if (typeof v === 'string') {
    if (!/^[\x20-\x7e]*$/.test(v)) throw new StructuredFieldError('string with characters outside ASCII printable');
    return `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  if (v instanceof SfToken) return v.value;
  return `:${Buffer.from(v).toString('base64')}:`;
}

/** Serialise parameters. */
export function serializeParams(params: SfParams): string {
  let out = '';
  for (const [k, v] of params) out += v === true ? `;${k}` : `;${k}=${serializeBareItem(v)}`;
  return out;
}

/** Serialise an item with its parameters. */
export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParams(item.params);
}

/** Serialise an inner list with its parameters. */
export function serializeInnerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParams(list.params)}`;
}

/** Serialise a dictionary member. */
export function serializeMember(m: SfMember): string {
  return isInnerList(m) ? serializeInnerList(m) : serializeItem(m);
}

/** Serialise a dictionary. */
export function serializeDictionary(d: SfDictionary): string {
  return [...d].map(([k, m]) => (!isInnerList(m) && m.value === true ? `${k}${serializeParams(m.params)}` : `${k}=${serializeMember(m)}`)).join(', ');
}
