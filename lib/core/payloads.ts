import { Rng, uuidFrom } from './rng.ts';

export { uuidFrom };
import { compileString, type TemplateContext } from './plan/template.ts';
import { isGeneratorShape, type FieldSpec, type PayloadsSpec } from './plan/payload-spec.ts';

/** A generated payload: plain JSON. */
export type Payload = Record<string, unknown>;

type FieldGen = (index: number) => unknown;

/**
 * `PayloadSource` builds payload *i* as a pure function of (seed, i). Nothing is stored per payload;
 * only `exactly` fields keep one compact table (a seeded shuffle of the exact counts), so 100,000
 * payloads cost a few hundred kilobytes at most.
 *
 * @example
 * const source = new PayloadSource(plan.payloads, plan.seed);
 * source.get(0); // { orderNumber: 'ORD-2024-000001', type: 'activate', ... }
 */
export class PayloadSource {
  readonly count: number;
  private readonly fields: Array<[string, FieldGen]>;
  private readonly keyField: string | undefined;

  constructor(spec: PayloadsSpec, seed: number) {
    this.count = spec.count ?? Number.POSITIVE_INFINITY;
    this.keyField = spec.key;
    this.fields = Object.entries(spec.fields).map(([name, field]) => [name, compileField(field, seed, name, spec.count ?? 0)]);
  }

  /**
   * The payload of lifecycle number `index` (0-based). With a finite `payloads.count`, the payloads are a
   * pool that open-ended models (rate, vus, phases) cycle through: lifecycle n uses payload n mod count.
   */
  get(index: number): Payload {
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`payload index ${index} is not a non-negative integer`);
    const slot = index < this.count ? index : index % this.count;
    const payload: Payload = {};
    for (const [name, gen] of this.fields) payload[name] = gen(slot);
    return payload;
  }

  /** The human key of payload `index` (its `payloads.key` field, or `#index`). */
  keyOf(index: number, payload: Payload = this.get(index)): string {
    if (this.keyField === undefined) return `#${index}`;
    const value = payload[this.keyField];
    return value === undefined ? `#${index}` : String(value);
  }
}

type GeneratorSpec =
  | { literal: unknown }
  | { exactly: Record<string, number> }
  | { pick: ReadonlyArray<string | number | boolean>; weights?: readonly number[] | undefined }
  | { int: readonly [number, number] }
  | { uuid: true };

function compileField(spec: FieldSpec, seed: number, name: string, count: number): FieldGen {
  if (spec === null || typeof spec !== 'object') {
    if (typeof spec !== 'string' || !spec.includes('{{')) return () => spec;
    const render = compileString(spec);
    return (index) => render(indexContext(index));
  }
  if (!isGeneratorShape(spec)) {
    const children = Object.entries(spec as Record<string, FieldSpec>).map(([k, v]) => [k, compileField(v, seed, `${name}.${k}`, count)] as const);
    return (index) => Object.fromEntries(children.map(([k, gen]) => [k, gen(index)]));
  }
  const gen = spec as GeneratorSpec;
  if ('literal' in gen) return () => structuredClone(gen.literal);
  if ('exactly' in gen) return exactlyField(gen.exactly, seed, name, count);
  if ('pick' in gen) return pickField(gen.pick, gen.weights, seed, name);
  if ('int' in gen) {
    const [min, max] = gen.int;
    return (index) => Rng.derive(seed, 'field', name, index).int(min, max);
  }
  return (index) => uuidFrom(Rng.derive(seed, 'field', name, index));
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
function indexContext(index: number): TemplateContext {
  return { payload: EMPTY, vars: EMPTY, index, runId: '', now: 0 };
}

/**
 * Exact counts per value, shuffled by the seed (Fisher-Yates). The table maps index -> value number.
 * Counts must add up to payloads.count; the plan validator checks it.
 */
function exactlyField(counts: Record<string, number>, seed: number, name: string, count: number): FieldGen {
  const values = Object.keys(counts);
  const table = new Uint16Array(count);
  let at = 0;
  values.forEach((value, v) => {
    table.fill(v, at, at + (counts[value] as number));
    at += counts[value] as number;
  });
  const rng = Rng.derive(seed, 'exactly', name);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const tmp = table[i] as number;
    table[i] = table[j] as number;
    table[j] = tmp;
  }
  return (index) => values[table[index] as number];
}

function pickField(choices: ReadonlyArray<string | number | boolean>, weights: readonly number[] | undefined, seed: number, name: string): FieldGen {
  if (!weights) return (index) => choices[Rng.derive(seed, 'field', name, index).int(0, choices.length - 1)];
  return (index) => choices[Rng.derive(seed, 'field', name, index).pickIndex(weights)];
}
