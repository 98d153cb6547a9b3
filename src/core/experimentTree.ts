/**
 * The syntax tree of an experiment file (JSON with comments) and the text ranges of its parts,
 * so that every message about the file can point at the characters it is about.
 */
// The ES module build: esbuild cannot follow the requires inside the package's default UMD build.
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';

export { getNodeValue, type Node };

/** A span of the file text, in UTF-16 code units as editors count them. */
export interface TextRange {
  offset: number;
  length: number;
}

/** A location in the value: object keys and array indices, e.g. ['runs', 0, 'loss', 'epsilon']. */
export type ValuePath = (string | number)[];

export interface SyntaxProblem {
  message: string;
  range: TextRange;
}

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false };

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: "':' is expected after the property name",
  CommaExpected: "',' is expected between items",
  CloseBraceExpected: "'}' is expected",
  CloseBracketExpected: "']' is expected",
  EndOfFileExpected: 'nothing may follow the top-level object',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: "the comment is not closed with '*/'",
  UnexpectedEndOfString: 'the string is not closed with \'"\'',
  UnexpectedEndOfNumber: 'the number is cut short',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

/** The tree (as far as it can be recovered) and the syntax errors of `text`. */
export function parseJsonc(text: string): { root: Node | undefined; problems: SyntaxProblem[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  const problems = errors.map((e) => ({
    message: `JSON syntax: ${SYNTAX_MESSAGES[printParseErrorCode(e.error)] ?? printParseErrorCode(e.error)}`,
    range: { offset: e.offset, length: e.length },
  }));
  return { root, problems };
}

export function rangeOf(node: Node): TextRange {
  return { offset: node.offset, length: node.length };
}

/** The node at `path`, or undefined when some part of it is missing. */
export function nodeAt(root: Node | undefined, path: ValuePath): Node | undefined {
  return root && findNodeAtLocation(root, path);
}

/** The deepest node along `path` and how many parts of the path it covers. */
export function deepestNodeAt(root: Node, path: ValuePath): { node: Node; depth: number } {
  let node = root;
  for (let depth = 0; depth < path.length; depth++) {
    const child = findNodeAtLocation(node, [path[depth]]);
    if (!child) return { node, depth };
    node = child;
  }
  return { node, depth: path.length };
}

/**
 * Where to underline a message about `node`: a scalar itself; an object or list by its property
 * key (underlining many lines helps no one), else by its opening bracket.
 */
export function underlineRange(node: Node): TextRange {
  if (node.type !== 'object' && node.type !== 'array') return rangeOf(node);
  const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  return key ? rangeOf(key) : { offset: node.offset, length: 1 };
}

/** `runs[0].loss.epsilon` → ['runs', 0, 'loss', 'epsilon'] (the paths validation messages use). */
export function parseIssuePath(path: string): ValuePath {
  const parts: ValuePath = [];
  for (const match of path.matchAll(/\[(\d+)\]|[^.[\]]+/g)) parts.push(match[1] !== undefined ? Number(match[1]) : match[0]);
  return parts;
}

/** ['runs', 0, 'loss'] → `runs[0].loss`. */
export function formatIssuePath(path: ValuePath): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

/** The items of the list at `path` (none when it is missing or not a list). */
export function arrayItems(root: Node | undefined, path: ValuePath): Node[] {
  const node = nodeAt(root, path);
  return node?.type === 'array' ? (node.children ?? []) : [];
}

/** 1-based line and column of `offset`, as compilers print them. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
