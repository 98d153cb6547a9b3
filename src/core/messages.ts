/**
 * One declaration per message. A table such as
 *
 *   const toHost = { run: { loss: lossLike, requestId: str }, ready: {} };
 *
 * gives both the message type (`MessageOf<typeof toHost>`, a union tagged by `type`) and the guard
 * that checks a received value against it (`guardOf(toHost)`), so the two cannot drift apart.
 * Declarations are plain data read by `matches`: no code generation, so it runs under the
 * webviews' CSP. Fields a message does not declare are ignored, as JSON readers usually do.
 */

declare const proves: unique symbol;

/** The declaration of one value; `T` is the type of the values that pass its check. */
export type Field<T = unknown> = Shape & { readonly [proves]?: T };

export type Shape =
  | { readonly kind: 'string' | 'number' | 'boolean' }
  | { readonly kind: 'literal'; readonly values: readonly Literal[] }
  | { readonly kind: 'array'; readonly item: Field }
  | { readonly kind: 'object'; readonly fields: Fields }
  | { readonly kind: 'optional'; readonly inner: Field }
  | { readonly kind: 'nullable'; readonly inner: Field }
  /** A check of its own (a domain type checked elsewhere, or a value with limits); `name` says what it accepts. */
  | { readonly kind: 'custom'; readonly name: string; readonly check: (x: unknown) => boolean };

type Literal = string | number | boolean;
export type Fields = { readonly [name: string]: Field };
/** Message kinds (the `type` tag) and their fields. */
export type MessageTable = { readonly [type: string]: Fields };

/** What a field proves. */
export type Proven<F> = F extends { readonly [proves]?: infer T } ? T : never;
type Optional<T> = { readonly kind: 'optional'; readonly inner: Field; readonly [proves]?: T | undefined };
type Flat<T> = { [K in keyof T]: T[K] };
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { readonly kind: 'optional' } ? K : never }[keyof F];
export type ObjectOf<F extends Fields> = Flat<
  { -readonly [K in Exclude<keyof F, OptionalKeys<F>>]: Proven<F[K]> } & { -readonly [K in OptionalKeys<F>]?: Proven<F[K]> }
>;
export type MessageOf<M extends MessageTable> = { [K in keyof M & string]: Flat<{ type: K } & ObjectOf<M[K]>> }[keyof M & string];

export const str: Field<string> = { kind: 'string' };
export const num: Field<number> = { kind: 'number' };
export const bool: Field<boolean> = { kind: 'boolean' };

export function oneOf<const V extends readonly Literal[]>(...values: V): Field<V[number]> {
  return { kind: 'literal', values };
}

export function arrayOf<T>(item: Field<T>): Field<T[]> {
  return { kind: 'array', item };
}

export function object<F extends Fields>(fields: F): Field<ObjectOf<F>> {
  return { kind: 'object', fields };
}

/** A field that may be absent (or undefined). */
export function optional<T>(inner: Field<T>): Optional<T> {
  return { kind: 'optional', inner };
}

export function nullable<T>(inner: Field<T>): Field<T | null> {
  return { kind: 'nullable', inner };
}

/** A value checked by a guard of its own. */
export function custom<T>(name: string, check: (x: unknown) => x is T): Field<T> {
  return { kind: 'custom', name, check };
}

/** A value of `base` that also passes `test` (a prefix, a length limit). */
export function where<T>(name: string, base: Field<T>, test: (x: T) => boolean): Field<T> {
  return { kind: 'custom', name, check: (x) => matches(base, x) && test(x as T) };
}

/** Names a request that expects an answer: chosen by the webview, repeated in the host's answer. */
export const requestId = where('a request id', str, (id) => id.length > 0 && id.length <= 100);

export function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function matches<T>(field: Field<T>, x: unknown): x is T {
  switch (field.kind) {
    case 'string':
    case 'number':
    case 'boolean': return typeof x === field.kind;
    case 'literal': return field.values.includes(x as Literal);
    case 'array': return Array.isArray(x) && x.every((item) => matches(field.item, item));
    case 'object': return isObj(x) && fieldsMatch(field.fields, x);
    case 'optional': return x === undefined || matches(field.inner, x);
    case 'nullable': return x === null || matches(field.inner, x);
    case 'custom': return field.check(x);
  }
}

function fieldsMatch(fields: Fields, x: Record<string, unknown>): boolean {
  return Object.entries(fields).every(([name, field]) => matches(field, x[name]));
}

/** The guard of a message table: an object whose `type` is one of the table's, with each declared field valid. */
export function guardOf<M extends MessageTable>(table: M): (x: unknown) => x is MessageOf<M> {
  return (x): x is MessageOf<M> => isObj(x) && typeof x.type === 'string'
    && Object.prototype.hasOwnProperty.call(table, x.type) && fieldsMatch(table[x.type], x);
}
