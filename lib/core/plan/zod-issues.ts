import type { z } from 'zod';
import { formatPath } from './issues.ts';
import type { PlanIssue } from './issues.ts';
import type { ParsedSource } from './positions.ts';
import { didYouMean } from './suggest.ts';

type ZodIssue = z.core.$ZodIssue;
type UnionIssue = Extract<ZodIssue, { code: 'invalid_union' }>;
type Path = ReadonlyArray<PropertyKey>;

/** The property {@link planErrorMap} adds to an `unrecognized_keys` issue: the keys the object allows. */
const KNOWN_KEYS = 'loadfleetKnownKeys';

/**
 * `planErrorMap` is a zod error map to pass as `error` to `safeParse`. It changes no message; it
 * only records, on each unknown-key issue, the keys the strict object does allow, so
 * {@link issuesFromZod} can say `did you mean "batchSize"?`. (zod 4 copies an issue's own
 * properties into the final issue, and the raw issue is the only place the object's shape is known.)
 */
export const planErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'unrecognized_keys') {
    const shape: unknown = (issue.inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape;
    if (shape !== null && typeof shape === 'object') Object.assign(issue, { [KNOWN_KEYS]: Object.keys(shape) });
  }
  return undefined;
};

/**
 * zod's own (English) messages start like this; anything else was written by the schema's author
 * and is kept word for word.
 */
const DEFAULT_MESSAGE_RE = /^(?:Invalid |Unrecognized keys?:|Too (?:big|small): )/;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'integer',
  nonoptional: 'a value',
  record: 'object',
};

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  url: 'URL',
  email: 'email address',
  uuid: 'UUID',
  guid: 'GUID',
  datetime: 'ISO date-time',
  date: 'ISO date',
  time: 'ISO time',
  duration: 'ISO duration',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
  base64: 'base64 string',
  json_string: 'JSON string',
};

/**
 * `issuesFromZod` turns a zod error into plan issues that point into the source file. Each issue is
 * placed at the closest node that exists: a missing key at the map that should hold it (the
 * message names the key), an unknown key at the key itself (one issue per key, with a suggestion
 * when the object's keys are known, see {@link planErrorMap}). zod's default messages are rewritten
 * for people (`expected number, got string "abc"`, enums list their values); messages the schema
 * sets itself are kept. A failed union reports the branch that came closest rather than "invalid input".
 * Values quoted in messages come from `source.data`, the plan as written (`${env:NAME}`, not its
 * value), even when the data validated was substituted; messages a schema writes itself quote the
 * value they were given, so the caller redacts them (as `loadPlan` does).
 */
export function issuesFromZod(error: z.ZodError, source: ParsedSource): PlanIssue[] {
  return error.issues.flatMap((issue) => convert(issue as ZodIssue, [], source));
}

function convert(issue: ZodIssue, prefix: Path, source: ParsedSource): PlanIssue[] {
  const path = [...prefix, ...issue.path];
  const at = (where: Path, message: string, target: 'value' | 'key' = 'value'): PlanIssue => ({
    file: source.file,
    ...source.locate(where, target),
    path: formatPath(where),
    message,
  });
  const custom = !DEFAULT_MESSAGE_RE.test(issue.message);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(issue);
      return issue.keys.map((key) => at([...path, key], unknownKeyMessage(key, known), 'key'));
    }
    case 'invalid_union':
      return custom ? [at(path, issue.message)] : unionIssues(issue, path, source, at);
    case 'invalid_key': {
      const key = path.at(-1);
      const inner = issue.issues.map((sub) => (DEFAULT_MESSAGE_RE.test(sub.message) ? describeIssue(sub, { found: true, value: key }, path) : sub.message));
      const detail = custom || inner.length === 0 ? issue.message : inner.join('; ');
      return [at(path, `invalid key ${JSON.stringify(String(key))}: ${detail}`, 'key')];
    }
    default:
      return [at(path, custom ? issue.message : describeIssue(issue, valueAt(source.data, path), path))];
  }
}

interface Lookup {
  readonly found: boolean;
  readonly value: unknown;
}

/** Reads the value at `path` in plain data, telling "absent" apart from "null". */
function valueAt(data: unknown, path: Path): Lookup {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || typeof segment === 'symbol' || !Object.hasOwn(value, segment)) {
      return { found: false, value: undefined };
    }
    value = (value as Record<string | number, unknown>)[segment];
  }
  return { found: true, value };
}

function knownKeys(issue: ZodIssue): readonly string[] | undefined {
  const keys: unknown = (issue as unknown as Record<string, unknown>)[KNOWN_KEYS];
  return Array.isArray(keys) ? (keys as string[]) : undefined;
}

function unknownKeyMessage(key: string, known: readonly string[] | undefined): string {
  const suggestion = known === undefined ? undefined : didYouMean(key, known);
  return suggestion === undefined ? `unknown key ${JSON.stringify(key)}` : `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(suggestion)}?)`;
}

function missingMessage(path: Path): string {
  const last = path.at(-1);
  return typeof last === 'number' ? `missing item [${last}]` : `missing required key ${JSON.stringify(String(last))}`;
}

/** A short, quoted description of a value: `string "abc"`, `number 5`, `null`, `array`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${quote(value)}`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `number ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function quote(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function joinOr(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function oneOf(values: readonly unknown[], found: Lookup): string {
  const allowed = values.map(quote);
  const expected = allowed.length === 1 ? `expected ${allowed[0]}` : `expected one of ${allowed.join(', ')}`;
  const suggestion =
    typeof found.value === 'string' ? didYouMean(found.value, values.filter((v): v is string => typeof v === 'string')) : undefined;
  return `${expected}, got ${describeValue(found.value)}${suggestion === undefined ? '' : ` (did you mean ${quote(suggestion)}?)`}`;
}

/** The human message for one issue whose message is zod's default. */
function describeIssue(issue: ZodIssue, found: Lookup, path: Path): string {
  const got = `got ${describeValue(found.value)}`;
  switch (issue.code) {
    case 'invalid_type':
      if (!found.found) return missingMessage(path);
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, ${got}`;
    case 'invalid_value':
      if (!found.found) return `${missingMessage(path)} (${oneOf(issue.values, found).replace(/, got .*$/, '')})`;
      return oneOf(issue.values, found);
    case 'too_small':
    case 'too_big':
      return boundMessage(issue, found.value);
    case 'invalid_format':
      return `${formatMessage(issue)}, ${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}, ${got}`;
    default:
      return issue.message;
  }
}

function boundMessage(issue: Extract<ZodIssue, { code: 'too_small' | 'too_big' }>, value: unknown): string {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive ?? true;
  const sized = issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set';
  if (!sized) {
    const op = small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
    return `must be ${op} ${limit}, got ${describeValue(value)}`;
  }
  const unit = issue.origin === 'string' ? 'characters' : 'items';
  const size = typeof value === 'string' ? value.length : Array.isArray(value) ? value.length : undefined;
  const got = size === undefined ? '' : `, got ${size}`;
  if (small && Number(limit) === 1 && inclusive && issue.exact !== true) return `must not be empty`;
  const bound = issue.exact === true ? 'exactly' : small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'fewer than';
  return `must have ${bound} ${limit} ${unit}${got}`;
}

function formatMessage(issue: Extract<ZodIssue, { code: 'invalid_format' }>): string {
  const extra = issue as unknown as Record<string, unknown>;
  switch (issue.format) {
    case 'starts_with':
      return `must start with ${quote(extra.prefix)}`;
    case 'ends_with':
      return `must end with ${quote(extra.suffix)}`;
    case 'includes':
      return `must include ${quote(extra.includes)}`;
    case 'regex':
      return `must match ${issue.pattern ?? 'the expected pattern'}`;
    default:
      return `must be a valid ${FORMAT_NAMES[issue.format] ?? issue.format}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Unions

interface Branch {
  readonly issues: readonly ZodIssue[];
  /** What the branch expected when the value is not even of its kind (e.g. `number`); else undefined. */
  readonly expected: readonly string[] | undefined;
  /** Unknown and missing keys at the union's own level: how far the shape is from this branch. */
  readonly structural: number;
}

/**
 * Why a whole union failed, said usefully. zod reports every branch's issues; a person wants the
 * branch they meant. We drop branches the value is not even the kind of (wrong type at the root),
 * then prefer the branch with the fewest unknown/missing keys at the root, then the fewest issues.
 * If several branches tie, the value matches none of them well: we name the keys no branch knows
 * (with a suggestion from all branches' keys) or list the keys each form needs.
 */
function unionIssues(issue: UnionIssue, path: Path, source: ParsedSource, at: (where: Path, message: string, target?: 'value' | 'key') => PlanIssue): PlanIssue[] {
  const found = valueAt(source.data, path);
  if (issue.errors.length === 0) {
    const options = (issue as { options?: readonly unknown[] }).options;
    if (issue.discriminator !== undefined && options !== undefined) {
      return [at(path, found.found ? oneOf(options, found) : `${missingMessage(path)} (one of ${options.map(quote).join(', ')})`)];
    }
    return [at(path, issue.inclusive === false ? 'matches more than one of the allowed forms; make it unambiguous' : issue.message)];
  }
  if (!found.found) return [at(path, missingMessage(path))];

  const branches = issue.errors.map((issues) => classify(issues, path, source.data));
  const candidates = branches.filter((branch) => branch.expected === undefined);
  if (candidates.length === 0) {
    const expected = [...new Set(branches.flatMap((branch) => branch.expected ?? []))];
    return [at(path, `expected ${joinOr(expected)}, got ${describeValue(found.value)}`)];
  }
  const rank = (b: Branch): [number, number] => [b.structural, b.issues.length];
  const [bestStructural, bestCount] = candidates.map(rank).reduce((a, b) => (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a));
  const tied = candidates.filter((b) => b.structural === bestStructural && b.issues.length === bestCount);
  if (tied.length === 1) return (tied[0] as Branch).issues.flatMap((sub) => convert(sub, path, source));

  const rootUnknown = tied.map((b) => new Set(b.issues.flatMap((sub) => (sub.code === 'unrecognized_keys' && sub.path.length === 0 ? sub.keys : []))));
  const unknownEverywhere = [...(rootUnknown[0] ?? [])].filter((key) => rootUnknown.every((keys) => keys.has(key)));
  if (unknownEverywhere.length > 0) {
    const known = tied.flatMap((b) => b.issues.flatMap((sub) => (sub.code === 'unrecognized_keys' && sub.path.length === 0 ? (knownKeys(sub) ?? []) : [])));
    return unknownEverywhere.map((key) => at([...path, key], unknownKeyMessage(key, [...new Set(known)]), 'key'));
  }
  const forms = tied
    .map((b) => b.issues.filter((sub) => sub.path.length === 1 && !valueAt(source.data, [...path, ...sub.path]).found).map((sub) => String(sub.path[0])))
    .filter((keys) => keys.length > 0)
    .map((keys) => keys.map(quote).join(' + '));
  if (forms.length === tied.length) return [at(path, `does not match any allowed form: it needs ${joinOr(forms)}`)];
  return (tied[0] as Branch).issues.flatMap((sub) => convert(sub, path, source));
}

function classify(issues: readonly ZodIssue[], path: Path, data: unknown): Branch {
  const expected = rootMismatch(issues);
  let structural = 0;
  for (const sub of issues) {
    if (sub.code === 'unrecognized_keys' && sub.path.length === 0) structural += sub.keys.length;
    else if (sub.path.length === 1 && !valueAt(data, [...path, ...sub.path]).found) structural += 1;
  }
  return { issues, expected, structural };
}

/** What a branch expected, if it failed because the value is of another kind altogether. */
function rootMismatch(issues: readonly ZodIssue[]): string[] | undefined {
  for (const sub of issues) {
    if (sub.path.length !== 0) continue;
    if (sub.code === 'invalid_type') return [TYPE_NAMES[sub.expected] ?? sub.expected];
    if (sub.code === 'invalid_value') return sub.values.map(quote);
    if (sub.code === 'invalid_union' && sub.errors.length > 0) {
      const nested = sub.errors.map(rootMismatch);
      if (nested.every((e) => e !== undefined)) return nested.flat();
    }
  }
  return undefined;
}
