import { CST, isAlias, isCollection, isNode, isPair, isScalar } from 'yaml';
import type { Document, Node } from 'yaml';

/**
 * Bounds on the shape of a plan file, checked while it is parsed so that nothing after the parser
 * (env references, zod, the plan checks, the presets, the compiler: all recursive walks) ever meets a
 * value it cannot walk: a value nested too deep overflows the stack, an alias inside the node it
 * names is an endless value, and a few aliases of aliases ("billion laughs") expand to millions of
 * values from a few lines of text.
 */

/**
 * The deepest a plan value may nest, counting every map and list (after aliases are expanded). The
 * deepest plan worth writing (choices in choices, a JSON body in a request) stays far below it; the
 * parser and every walk after it stay far below the stack's limit.
 */
export const MAX_NESTING = 64;

/**
 * The most values (map entries, list items, scalars) aliases may add to a plan, summed over every
 * alias. Sharing a block of headers among fifty requests adds a few hundred; an alias bomb adds
 * billions and is stopped at the alias that crosses this line.
 */
export const MAX_ALIAS_EXPANSION = 10_000;

/** A shape problem: where it is (an offset in the text), the path that leads there, and what is wrong. */
export interface ShapeProblem {
  readonly offset: number;
  readonly path: PropertyKey[];
  readonly message: string;
}

/** A collection token of the concrete syntax tree and how it was reached. */
interface Frame {
  readonly token: CST.Token;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly segment: PropertyKey | undefined;
}

/**
 * `tooDeep` finds the first collection nested deeper than {@link MAX_NESTING} in the parser's tokens,
 * before they are composed into a document (the composer recurses once per level, so a file of
 * 100,000 nested brackets would overflow its stack). The walk keeps its own stack, so it works at any
 * depth; the path it returns is the keys and indexes that lead to the collection.
 *
 * @example
 * tooDeep([...new Parser().parse('['.repeat(100) + ']'.repeat(100))]); // { offset: 64, path: [0, 0, ...], ... }
 */
export function tooDeep(tokens: Iterable<CST.Token>): ShapeProblem | undefined {
  const stack: Frame[] = [];
  for (const token of tokens) if (token.type === 'document' && token.value) stack.push({ token: token.value, depth: 1, parent: undefined, segment: undefined });
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { token, depth } = frame;
    if (!CST.isCollection(token)) continue;
    if (depth > MAX_NESTING) return { offset: token.offset, path: pathOf(frame), message: nestedMessage() };
    const isSeq = token.type === 'block-seq' || (token.type === 'flow-collection' && token.start.source === '[');
    token.items.forEach((item, index) => {
      const segment = isSeq ? index : keyOf(item.key);
      if (item.key) stack.push({ token: item.key, depth: depth + 1, parent: frame, segment });
      if (item.value) stack.push({ token: item.value, depth: depth + 1, parent: frame, segment });
    });
  }
  return undefined;
}

/** A map key as written (plain or quoted), for a path; `?` when it is not a scalar. */
function keyOf(key: CST.Token | null | undefined): PropertyKey {
  const scalar = key ? CST.resolveAsScalar(key) : null;
  return scalar?.value ?? '?';
}

function pathOf(frame: Frame): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let f: Frame | undefined = frame; f?.segment !== undefined; f = f.parent) path.unshift(f.segment);
  return path;
}

function nestedMessage(): string {
  return `nested deeper than ${MAX_NESTING} levels of maps and lists: flatten this value`;
}

/** What a node holds once its aliases are expanded: how deep it nests and how many values it counts. */
interface Extent {
  readonly depth: number;
  readonly size: number;
}

/** Thrown inside the walk to stop it at the first problem. */
class Stop {
  constructor(readonly problem: ShapeProblem) {}
}

/**
 * `aliasProblem` checks a composed document's aliases, as `toJS` would expand them, and returns the
 * first problem: an alias inside the very node it names (`&loop [ ..., *loop ]`: an endless value),
 * an alias that nests the plan deeper than {@link MAX_NESTING}, or one that brings the values aliases
 * add past {@link MAX_ALIAS_EXPANSION}. Each is reported at the alias, with its path in the file.
 *
 * Anchors resolve as `Alias.resolve` does (the last node with that anchor before the alias, in
 * document order), with one map built during the walk instead of a search of the document per alias.
 * Each anchored node is measured once, so the check costs one pass over the document.
 */
export function aliasProblem(doc: Document.Parsed): ShapeProblem | undefined {
  const anchors = new Map<string, Node>();
  const measured = new Map<Node, Extent>();
  const open = new Set<Node>();
  let added = 0;

  const measure = (node: unknown, path: PropertyKey[], level: number): Extent => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      // An unknown anchor is the parser's error, reported before this runs.
      if (target === undefined) return { depth: 0, size: 1 };
      const offset = node.range?.[0] ?? 0;
      if (open.has(target)) {
        throw new Stop({ offset, path, message: `alias *${node.source} refers to the value that contains it: that value would never end` });
      }
      // The anchored node comes before the alias and is not open, so it has been measured.
      const extent = measured.get(target) ?? { depth: 0, size: 1 };
      added += extent.size;
      if (level - 1 + extent.depth > MAX_NESTING) throw new Stop({ offset, path, message: `alias *${node.source} makes this value ${nestedMessage()}` });
      if (added > MAX_ALIAS_EXPANSION) {
        throw new Stop({ offset, path, message: `with this alias (*${node.source}), aliases add more than ${MAX_ALIAS_EXPANSION} values to the plan: write the values out, or alias less` });
      }
      return extent;
    }
    if (!isNode(node)) return { depth: 0, size: 1 };
    if (node.anchor !== undefined) anchors.set(node.anchor, node);
    if (!isCollection(node)) {
      const leaf = { depth: 0, size: 1 };
      if (node.anchor !== undefined) measured.set(node, leaf);
      return leaf;
    }
    if (level > MAX_NESTING) throw new Stop({ offset: node.range?.[0] ?? 0, path, message: nestedMessage() });
    open.add(node);
    let depth = 0;
    let size = 1;
    node.items.forEach((item: unknown, index: number) => {
      const children = isPair(item) ? [item.key, item.value] : [item];
      const segment = isPair(item) ? (isScalar(item.key) ? String(item.key.value) : '?') : index;
      for (const child of children) {
        const extent = measure(child, [...path, segment], level + 1);
        depth = Math.max(depth, extent.depth);
        size += extent.size;
      }
    });
    open.delete(node);
    const extent = { depth: depth + 1, size };
    if (node.anchor !== undefined) measured.set(node, extent);
    return extent;
  };

  try {
    measure(doc.contents, [], 1);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return error.problem;
    throw error;
  }
}
