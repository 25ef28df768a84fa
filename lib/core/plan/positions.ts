import { Composer, LineCounter, Parser, YAMLParseError, isAlias, isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import type { CST, Document, YAMLError } from 'yaml';
import { PlanValidationError, formatPath } from './issues.ts';
import type { PlanIssue, SourcePosition } from './issues.ts';
import { MAX_ALIAS_EXPANSION, aliasProblem, tooDeep } from './yaml-limits.ts';
import type { ShapeProblem } from './yaml-limits.ts';

/**
 * `ParsedSource` is a plan file parsed but not yet validated: the YAML document (which keeps every
 * node's place in the text), the plain data it holds, and a way back from a path to a line and column.
 */
export interface ParsedSource {
  /** The name the file is reported under, e.g. `plans/orders.yaml`. */
  readonly file: string;
  /** The parsed YAML document; its nodes keep their offsets in the text. */
  readonly doc: Document.Parsed;
  /** The plain JavaScript value of the document (objects, arrays, strings, numbers, booleans, null). */
  readonly data: unknown;
  /**
   * Returns the position of the value at `path`. When the path does not exist, it walks up to the
   * closest node that does (so a missing key points at the map that should hold it). With
   * `target: 'key'`, a path ending at a map entry points at the entry's key instead of its value.
   */
  locate(path: ReadonlyArray<PropertyKey>, target?: 'value' | 'key'): SourcePosition;
}

/** The node found for a path: how many segments matched, the value there, and its key if a map entry. */
interface NodeLookup {
  readonly depth: number;
  readonly node: unknown;
  readonly key: unknown;
}

/**
 * `parseSource` parses plan text (YAML, or JSON, which is YAML 1.2) into a {@link ParsedSource}.
 * Syntax errors, duplicate keys, unresolved tags and an empty document all throw a
 * {@link PlanValidationError} listing every problem with its line and column.
 *
 * @example
 * const source = parseSource('load:\n  batchSize: 10\n', 'plan.yaml');
 * source.data;                            // { load: { batchSize: 10 } }
 * source.locate(['load', 'batchSize']);   // { line: 2, col: 14 }
 */
export function parseSource(text: string, file: string): ParsedSource {
  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => lineCounter.linePos(offset);
  const refuse = (problem: ShapeProblem): never => {
    throw new PlanValidationError([{ file, ...position(problem.offset), path: shortPath(problem.path), message: problem.message }]);
  };

  // `parseDocument` in two steps, so the nesting is checked before the composer (which recurses once
  // per level) builds the document. The parser keeps its own stack and copes with any depth.
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deep = tooDeep(tokens);
  if (deep) refuse(deep);
  const doc = composeOne(tokens, text.length);

  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new PlanValidationError(problems.map((error) => yamlIssue(error, doc, file, text, position)));
  }
  // Cycles, alias-made depth and alias bombs, each at its alias: before anything expands them.
  const aliased = aliasProblem(doc);
  if (aliased) refuse(aliased);

  let data: unknown;
  try {
    // yaml's own alias guard, set so the exact check above always speaks first; kept as a backstop.
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (error) {
    // Raised for alias bombs ("Excessive alias count"): report it rather than crash.
    const message = error instanceof Error ? error.message : String(error);
    throw new PlanValidationError([{ file, line: 1, col: 1, path: '', message }], { cause: error });
  }
  if (data === null || data === undefined) {
    throw new PlanValidationError([{ file, line: 1, col: 1, path: '', message: 'plan is empty' }]);
  }

  const locate = (path: ReadonlyArray<PropertyKey>, target: 'value' | 'key' = 'value'): SourcePosition => {
    const found = lookup(doc, path);
    const atKey = target === 'key' && found.depth === path.length ? startOf(found.key) : undefined;
    const offset = atKey ?? startOf(found.node, true) ?? startOf(found.key);
    if (offset !== undefined) return position(offset);
    // An empty sequence item (`- `) has no place of its own: use its parent's.
    return found.depth > 0 ? locate(path.slice(0, found.depth - 1)) : { line: 1, col: 1 };
  };

  return { file, doc, data, locate };
}

/**
 * The first document of `tokens`, as `parseDocument` composes it: duplicate keys are errors, and a
 * second document is an error too (a plan is one document).
 */
function composeOne(tokens: readonly CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ uniqueKeys: true });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (doc === undefined) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'a plan is one YAML document: remove this second one (after "---")'));
      break;
    }
  }
  // `compose(..., true)` always yields a document, an empty one for empty text.
  return doc as Document.Parsed;
}

/** A path for a message: a long one (from a deep value) keeps its first segments and says it goes on. */
function shortPath(path: readonly PropertyKey[]): string {
  const SHOWN = 6;
  return path.length <= SHOWN ? formatPath(path) : `${formatPath(path.slice(0, SHOWN))}…`;
}

/** Walks `path` down the document, through aliases, as far as it exists. */
function lookup(doc: Document.Parsed, path: ReadonlyArray<PropertyKey>): NodeLookup {
  let node: unknown = doc.contents;
  let key: unknown = undefined;
  let depth = 0;
  for (const segment of path) {
    const current = isAlias(node) ? node.resolve(doc) : node;
    if (isMap(current)) {
      // The last entry wins, as in `toJS` (duplicates are rejected anyway).
      const pair = current.items.findLast((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      node = pair.value;
      key = pair.key;
    } else if (isSeq(current) && typeof segment !== 'symbol' && Number.isInteger(Number(segment))) {
      const item: unknown = current.items[Number(segment)];
      if (item === undefined) break;
      node = item;
      key = undefined;
    } else {
      break;
    }
    depth += 1;
  }
  return { depth, node, key };
}

/**
 * The offset where a node starts. With `skipEmpty`, an empty value (`key:` with nothing after it)
 * has no useful place of its own, so the caller falls back to its key.
 */
function startOf(node: unknown, skipEmpty = false): number | undefined {
  if (!isNode(node) || node.range === undefined || node.range === null) return undefined;
  const [start, valueEnd] = node.range;
  if (skipEmpty && isScalar(node) && start === valueEnd) return undefined;
  return start;
}

/** Turns a YAML parse error or warning into an issue with a plain message and, if it can, a path. */
function yamlIssue(
  error: YAMLError,
  doc: Document.Parsed,
  file: string,
  text: string,
  position: (offset: number) => SourcePosition,
): PlanIssue {
  const offset = error.pos[0];
  const { line, col } = error.linePos?.[0] ?? position(offset);
  let path = pathAtOffset(doc.contents, offset, []);
  // `prettyErrors` appends " at line L, column C:" and a code excerpt; we print our own position.
  let message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const key = path.at(-1);
      message = key === undefined ? 'duplicate key (keys must be unique)' : `duplicate key ${JSON.stringify(String(key))} (keys must be unique)`;
      break;
    }
    case 'TAB_AS_INDENT':
      message = 'tabs are not allowed as indentation: indent with spaces';
      break;
    case 'BAD_INDENT':
    case 'MISSING_CHAR': {
      const opened = unclosedFlowStart(doc.contents, offset, text);
      if (opened !== undefined) {
        const where = position(opened);
        message += ` (the ${text[opened] ?? 'bracket'} opened at line ${where.line}, column ${where.col} is not closed)`;
        path = pathAtOffset(doc.contents, opened, []);
      }
      break;
    }
    default:
      break;
  }
  return { file, line, col, path: formatPath(path), message };
}

/** The path of the deepest key or value whose text contains `offset`. */
function pathAtOffset(node: unknown, offset: number, path: PropertyKey[]): PropertyKey[] {
  const contains = (n: unknown): boolean => isNode(n) && n.range !== undefined && n.range !== null && n.range[0] <= offset && offset < n.range[2];
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const keyPath = [...path, String(pair.key.value)];
      if (contains(pair.key)) return keyPath;
      if (contains(pair.value)) return pathAtOffset(pair.value, offset, keyPath);
      // Between the key and its value (a tag or anchor, say): the entry is still the one meant.
      const end = isNode(pair.value) ? pair.value.range?.[2] : pair.key.range?.[2];
      const start = pair.key.range?.[0];
      if (start !== undefined && end !== undefined && start <= offset && offset < end) return keyPath;
    }
  } else if (isSeq(node)) {
    const index = node.items.findIndex(contains);
    if (index >= 0) return pathAtOffset(node.items[index], offset, [...path, index]);
  }
  return path;
}

/** The start of the innermost flow collection (`[...]`, `{...}`) that ends, unclosed, at `offset`. */
function unclosedFlowStart(root: unknown, offset: number, text: string): number | undefined {
  let found: number | undefined;
  const visit = (node: unknown): void => {
    if (!isMap(node) && !isSeq(node)) return;
    if (node.flow === true && node.range !== undefined && node.range !== null) {
      const [start, valueEnd] = node.range;
      const close = text[start] === '[' ? ']' : '}';
      if (valueEnd === offset && text[valueEnd - 1] !== close && (found === undefined || start > found)) found = start;
    }
    for (const item of node.items) visit(isPair(item) ? item.value : item);
  };
  visit(root);
  return found;
}
