/**
 * A small interpreter for the subset of JSON Schema (draft-07) that media/schemas/*.json use.
 * Runtime validation cannot use a schema compiler such as ajv: those generate code with
 * `new Function`, which the webviews' CSP forbids. The messages name the field and the allowed
 * values or range, e.g. `loss.gamma must be ≥ 0 (got -1)`.
 */

export interface Issue {
  /** Where in the value, e.g. `loss.epsilon[2]` ('' for the value itself). */
  path: string;
  /** A full sentence that starts with the path. */
  message: string;
  severity: 'error' | 'warning';
}

type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface Schema {
  $ref?: string;
  /** One type, or several (e.g. a metric that is a number or null). */
  type?: JsonType | readonly JsonType[];
  enum?: readonly unknown[];
  const?: string | number | boolean | null;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean;
  anyOf?: readonly Schema[];
  /** Non-standard (VS Code reads it too): one sentence replacing the generic message of an anyOf. */
  errorMessage?: string;
}

/** Keywords this interpreter enforces, and annotations it may ignore. A schema must use no others. */
export const VALIDATION_KEYWORDS: readonly string[] = [
  '$ref', 'type', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'pattern',
  'minItems', 'maxItems', 'items', 'properties', 'required', 'additionalProperties', 'anyOf', 'errorMessage',
];
export const ANNOTATION_KEYWORDS: readonly string[] = [
  '$schema', '$id', 'title', 'description', 'markdownDescription', 'default', 'enumDescriptions',
  'markdownEnumDescriptions', 'defaultSnippets', 'definitions',
];

/** Schema documents by file name, so `"$ref": "loss-spec.schema.json#/definitions/x"` resolves. */
export type SchemaDocuments = Readonly<Record<string, Schema>>;

/**
 * Checks `value` against document `docName`. Paths start with `rootLabel` (e.g. 'loss' gives
 * `loss.gamma`); with '' they start at the first field and messages call the value itself
 * `rootName` ('config' unless told, e.g. 'the experiment file').
 */
export function checkSchema(documents: SchemaDocuments, docName: string, value: unknown, rootLabel = '', rootName = 'config'): Issue[] {
  const doc = documents[docName];
  if (!doc) throw new Error(`Unknown schema document ${docName}`);
  return new Checker(documents, rootLabel || rootName).check(doc, doc, value, rootLabel);
}

class Checker {
  constructor(private readonly documents: SchemaDocuments, private readonly rootLabel: string) {}

  check(schema: Schema, doc: Schema, value: unknown, path: string): Issue[] {
    if (schema.$ref) {
      // Siblings of $ref in our schemas are annotations (description, default) only.
      const target = this.resolve(schema.$ref, doc);
      return this.check(target.schema, target.doc, value, path);
    }
    if (schema.anyOf) return this.checkAnyOf(schema, doc, value, path);
    if (schema.enum && !schema.enum.includes(value)) {
      return [this.issue(path, `must be one of ${schema.enum.map(show).join(', ')} (got ${show(value)})`)];
    }
    if (schema.const !== undefined && value !== schema.const) {
      return [this.issue(path, `must be ${show(schema.const)} (got ${show(value)})`)];
    }
    if (schema.type !== undefined && !typesOf(schema).some((type) => hasType(value, type))) {
      return [this.issue(path, `must be ${expected(schema)} (got ${show(value)})`)];
    }
    if (typeof value === 'number' && !inRange(value, schema)) {
      return [this.issue(path, `must be ${schema.type === 'integer' ? 'an integer ' : ''}${rangeText(schema)} (got ${show(value)})`)];
    }
    if (typeof value === 'string' && value.length < (schema.minLength ?? 0)) {
      return [this.issue(path, `must be ${expected(schema)} (got ${show(value)})`)];
    }
    if (typeof value === 'string' && schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      return [this.issue(path, `must match ${schema.pattern} (got ${show(value)})`)];
    }
    if (Array.isArray(value)) return this.checkArray(schema, doc, value, path);
    if (isObject(value)) return this.checkObject(schema, doc, value, path);
    return [];
  }

  private checkArray(schema: Schema, doc: Schema, value: unknown[], path: string): Issue[] {
    if (value.length < (schema.minItems ?? 0) || value.length > (schema.maxItems ?? Infinity)) {
      // Items given by reference are described by what they refer to ("integers in [0, …]").
      const items = schema.items?.$ref ? this.resolve(schema.items.$ref, doc).schema : schema.items;
      return [this.issue(path, `must be ${expected({ ...schema, items })} (got ${show(value)})`)];
    }
    const items = schema.items;
    return items ? value.flatMap((item, i) => this.check(items, doc, item, `${path}[${i}]`)) : [];
  }

  private checkObject(schema: Schema, doc: Schema, value: Record<string, unknown>, path: string): Issue[] {
    const properties = schema.properties ?? {};
    const issues: Issue[] = [];
    for (const key of schema.required ?? []) {
      if (value[key] !== undefined) continue;
      const choices = properties[key]?.enum;
      issues.push(this.issue(join(path, key), `is required${choices ? `: one of ${choices.map(show).join(', ')}` : ''}`));
    }
    for (const [key, item] of Object.entries(value)) {
      const property = properties[key];
      if (property) {
        if (item !== undefined) issues.push(...this.check(property, doc, item, join(path, key)));
      } else if (schema.additionalProperties === false) {
        issues.push(this.issue(join(path, key), `is not a field of ${path || this.rootLabel} (known fields: ${Object.keys(properties).join(', ')})`));
      }
    }
    return issues;
  }

  private checkAnyOf(schema: Schema, doc: Schema, value: unknown, path: string): Issue[] {
    const branches = schema.anyOf ?? [];
    const results = branches.map((branch) => this.check(branch, doc, value, path));
    if (results.some((issues) => issues.length === 0)) return [];
    // When exactly one branch has the value's kind, its own complaint is the most precise one,
    // e.g. `loss.epsilon[2] must be a number`; complaints about the whole value use errorMessage.
    const sameKind = branches.flatMap((branch, i) => (typesOf(branch).some((type) => hasKind(value, type)) ? [results[i]] : []));
    if (sameKind.length === 1 && !(schema.errorMessage && sameKind[0].some((issue) => issue.path === path))) {
      return sameKind[0];
    }
    const sentence = schema.errorMessage ?? `must be ${branches.map(expected).join(' or ')}`;
    return [this.issue(path, `${sentence} (got ${show(value)})`)];
  }

  private resolve(ref: string, doc: Schema): { schema: Schema; doc: Schema } {
    const [file, pointer = ''] = ref.split('#');
    const targetDoc = file ? this.documents[file.replace(/^\.\//, '')] : doc;
    let target: unknown = targetDoc;
    for (const token of pointer.split('/').slice(1)) {
      target = isObject(target) ? target[token.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    if (!targetDoc || !isObject(target)) throw new Error(`Unresolvable schema reference ${ref}`);
    return { schema: target as Schema, doc: targetDoc };
  }

  private issue(path: string, text: string): Issue {
    return { path, message: `${path || this.rootLabel} ${text}`, severity: 'error' };
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The types a schema allows, none when it names none. */
function typesOf(s: Schema): readonly JsonType[] {
  return s.type === undefined ? [] : typeof s.type === 'string' ? [s.type] : s.type;
}

/** JSON types; NaN and ±Infinity are not numbers here (JSON cannot carry them, CLI flags can). */
function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return Number.isInteger(value);
    case 'array': return Array.isArray(value);
    case 'object': return isObject(value);
    case 'null': return value === null;
    default: return typeof value === type;
  }
}

/** The value is of the same broad kind as `type` (NaN counts as a number), though perhaps invalid. */
function hasKind(value: unknown, type: JsonType): boolean {
  return type === 'number' || type === 'integer' ? typeof value === 'number' : hasType(value, type);
}

function inRange(n: number, s: Schema): boolean {
  return !(
    (s.minimum !== undefined && n < s.minimum) ||
    (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) ||
    (s.maximum !== undefined && n > s.maximum) ||
    (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum)
  );
}

/** `in [0, 1)`, `≥ 0`, `> 0`, `≤ 1`, or '' when unbounded. */
function rangeText(s: Schema): string {
  const low = s.exclusiveMinimum ?? s.minimum;
  const high = s.exclusiveMaximum ?? s.maximum;
  const lowOpen = s.exclusiveMinimum !== undefined;
  const highOpen = s.exclusiveMaximum !== undefined;
  if (low !== undefined && high !== undefined) return `in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`;
  if (low !== undefined) return `${lowOpen ? '>' : '≥'} ${low}`;
  if (high !== undefined) return `${highOpen ? '<' : '≤'} ${high}`;
  return '';
}

/** What a schema accepts, as a noun phrase: `an integer in [1, 4096]`, `a list of 1 to 16 …`. */
function expected(s: Schema): string {
  if (s.enum) return `one of ${s.enum.map(show).join(', ')}`;
  if (s.const !== undefined) return show(s.const);
  if (Array.isArray(s.type)) return s.type.map((type) => expected({ ...s, type })).join(' or ');
  const range = rangeText(s);
  switch (s.type) {
    case 'number': return ['a number', range].filter(Boolean).join(' ');
    case 'integer': return ['an integer', range].filter(Boolean).join(' ');
    case 'string': return s.minLength ? 'a non-empty string' : 'a string';
    case 'boolean': return 'true or false';
    case 'object': return 'an object';
    case 'null': return 'null';
    case 'array': {
      const count = s.maxItems === undefined ? (s.minItems ? `at least ${s.minItems}` : '')
        : s.minItems ? `${s.minItems} to ${s.maxItems}` : `at most ${s.maxItems}`;
      const items = s.items ? plural(expected(s.items)) : 'items';
      return ['a list of', count, items].filter(Boolean).join(' ');
    }
    default: return 'a valid value';
  }
}

/** `an integer in [1, 4096]` → `integers in [1, 4096]`. */
function plural(phrase: string): string {
  return phrase.replace(/^an? (non-empty )?(\w+)/, '$1$2s');
}

/** A value as shown after "got": strings quoted, lists by length. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (isObject(value)) return 'an object';
  if (value === undefined) return 'nothing';
  return String(value);
}
