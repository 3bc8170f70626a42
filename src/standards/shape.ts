import { namespaceOfSchemaId } from './paths.ts';
import { splitPointer } from '../json/index.ts';

/*
 * A "shape" is what the XML⇄JSON mapping needs to know of a JSON Schema, with every $ref
 * resolved: objects (ordered properties, each with its XML name and namespace), arrays,
 * scalars, and the envelope's open slot that holds another document. Built once per type.
 */

/** JSON scalar kinds the mapping distinguishes. */
export type ScalarKind = 'string' | 'integer' | 'number' | 'boolean';

/** An object: properties in schema order (= XSD sequence order). */
export interface ObjectShape {
  kind: 'object';
  props: PropShape[];
  byJson: Map<string, PropShape>;
  byXml: Map<string, PropShape>;
}

/** An array: a wrapper element whose children are all `<Item>`. */
export interface ArrayShape {
  kind: 'array';
  items: Shape;
}

/** A scalar carried as element text. */
export interface ScalarShape {
  kind: ScalarKind;
}

/** An open slot holding a whole document of another type (the envelope's `document`). */
export interface EmbeddedShape {
  kind: 'embedded';
}

/** Any shape. */
export type Shape = ObjectShape | ArrayShape | ScalarShape | EmbeddedShape;

/** One property ⇄ one element. */
export interface PropShape {
  /** JSON property name (`hsCode`). */
  json: string;
  /** XML local name (`HsCode`). */
  xml: string;
  /** Namespace of the schema that declares the property (CONVENTIONS.md; common README). */
  ns: string;
  /** Listed in the object's `required` (minOccurs 1 in the XSD). */
  required: boolean;
  shape: Shape;
}

/** Properties of a document object that map to the namespace or are not mapped at all. */
export const UNMAPPED_ROOT_PROPS = new Set(['documentType', 'version', 'signature']);

type JsonObject = Record<string, unknown>;

/** `hsCode` → `HsCode` (CONVENTIONS.md mapping rule 2). */
export function xmlNameOf(jsonName: string): string {
  return jsonName.charAt(0).toUpperCase() + jsonName.slice(1);
}

/** Builds shapes from a set of schemas keyed by `$id`. */
export class ShapeBuilder {
  private readonly cache = new Map<object, Shape>();

  constructor(private readonly schemasById: ReadonlyMap<string, JsonObject>) {}

  /** The shape of the document schema with this `$id`. Root properties documentType/version/signature are left out. */
  documentShape(id: string): ObjectShape {
    const schema = this.schemasById.get(id);
    if (!schema) throw new Error(`no schema with $id ${id}`);
    const shape = this.build(schema, id);
    if (shape.kind !== 'object') throw new Error(`schema ${id} is not an object schema`);
    const props = shape.props.filter((p) => !UNMAPPED_ROOT_PROPS.has(p.json));
    return indexObject(props);
  }

  private resolveRef(ref: string, baseId: string): { schema: JsonObject; baseId: string } {
    const hash = ref.indexOf('#');
    const docPart = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    const docId = docPart === '' ? baseId : new URL(docPart, baseId).href;
    const doc = this.schemasById.get(docId);
    if (!doc) throw new Error(`$ref ${ref} (from ${baseId}): no schema with $id ${docId}`);
    let node: unknown = doc;
    for (const seg of splitPointer(fragment)) {
      node = (node as JsonObject | undefined)?.[seg];
    }
    if (!node || typeof node !== 'object') throw new Error(`$ref ${ref} (from ${baseId}) does not resolve`);
    return { schema: node as JsonObject, baseId: docId };
  }

  private build(schema: JsonObject, baseId: string): Shape {
    const cached = this.cache.get(schema);
    if (cached) return cached;
    if (typeof schema.$ref === 'string') {
      const target = this.resolveRef(schema.$ref, baseId);
      const s = this.build(target.schema, target.baseId);
      this.cache.set(schema, s);
      return s;
    }
    const combined = [schema.allOf, schema.oneOf, schema.anyOf].find(Array.isArray) as JsonObject[] | undefined;
    const type = schema.type ?? inferType(schema);
    if (type === 'object' || (type === undefined && (schema.properties || combined))) {
      const closed = schema.additionalProperties === false;
      const props = schema.properties as Record<string, JsonObject> | undefined;
      if (!closed && props && 'documentType' in props && 'version' in props) {
        const s: EmbeddedShape = { kind: 'embedded' };
        this.cache.set(schema, s);
        return s;
      }
      // Register before recursing so recursive schemas terminate.
      const shape: ObjectShape = { kind: 'object', props: [], byJson: new Map(), byXml: new Map() };
      this.cache.set(schema, shape);
      const ns = namespaceOfSchemaId(baseId);
      const list: PropShape[] = [];
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      for (const [name, sub] of Object.entries(props ?? {})) {
        list.push({ json: name, xml: xmlNameOf(name), ns, required: required.has(name), shape: this.build(sub, baseId) });
      }
      for (const branch of combined ?? []) {
        const b = this.build(branch, baseId);
        if (b.kind !== 'object') continue;
        for (const p of b.props) if (!list.some((q) => q.json === p.json)) list.push(p);
      }
      const indexed = indexObject(list);
      Object.assign(shape, indexed);
      return shape;
    }
    if (type === 'array') {
      const items = schema.items as JsonObject | undefined;
      if (!items) throw new Error(`array schema without items (in ${baseId})`);
      const s: ArrayShape = { kind: 'array', items: this.build(items, baseId) };
      this.cache.set(schema, s);
      return s;
    }
    if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') {
      const s: ScalarShape = { kind: type };
      this.cache.set(schema, s);
      return s;
    }
    if (combined?.[0]) return this.build(combined[0], baseId);
    throw new Error(`cannot map schema ${JSON.stringify(schema).slice(0, 120)} (in ${baseId}): give it a type`);
  }
}

function inferType(schema: JsonObject): string | undefined {
  const sample = 'const' in schema ? schema.const : Array.isArray(schema.enum) ? schema.enum[0] : undefined;
  if (sample === undefined) return undefined;
  if (typeof sample === 'number') return Number.isInteger(sample) ? 'integer' : 'number';
  return typeof sample;
}

function indexObject(props: PropShape[]): ObjectShape {
  return {
    kind: 'object',
    props,
    byJson: new Map(props.map((p) => [p.json, p])),
    byXml: new Map(props.map((p) => [p.xml, p])),
  };
}
