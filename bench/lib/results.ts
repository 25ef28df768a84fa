/**
 * The bench's results: one `Section` per scenario, goals checked against them, and the RESULTS.md
 * writer. Scenarios only fill sections; nothing here measures.
 */
import { formatStat, type Stat } from './stats.ts';
import type { Machine } from './system.ts';

/** A table cell: text, or a figure over runs. */
export type Cell = string | Stat | undefined;

/** `Table` is one markdown table of a section. */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** The section identifiers, in RESULTS.md order. */
export const SECTION_IDS = ['closed-loop', 'constant-rate', 'workers', 'lifecycle', 'memory', 'burst', 'bundle'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

/** `Section` is what one scenario reports. */
export interface Section {
  readonly id: SectionId;
  readonly title: string;
  /** `pending`: what it measures does not exist yet; `failed`: it threw (the message is in notes). */
  readonly status: 'ok' | 'pending' | 'failed';
  /** How it was measured, one line each. */
  readonly method: readonly string[];
  readonly tables: readonly Table[];
  /** Key figures by name, for goals and for the smoke test. */
  readonly figures: Readonly<Record<string, Stat>>;
  readonly notes: readonly string[];
}

/** `Goal` is one target from the issue, checked on the median. */
export interface Goal {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  /** undefined when the figure is missing (section pending or failed). */
  readonly met: boolean | undefined;
  /** For a goal not met: what this run's figures say about what limits it (figures only, no guessed cause). */
  readonly limit?: string;
}

/** `BenchResults` is everything RESULTS.md shows. */
export interface BenchResults {
  readonly mode: 'full' | 'quick';
  readonly runs: number;
  readonly startedAt: string;
  readonly wallS: number;
  readonly machine: Machine;
  readonly tools: Readonly<Record<string, string>>;
  readonly pinning: string;
  readonly target: { readonly label: string; readonly url: string; readonly note: string };
  readonly sections: readonly Section[];
  readonly goals: readonly Goal[];
  readonly notes: readonly string[];
}

/** A section whose scenario threw: status `failed`, the message in notes, no figures. */
export function failedSection(id: SectionId, title: string, error: unknown): Section {
  return { id, title, status: 'failed', method: [], tables: [], figures: {}, notes: [`failed: ${(error as Error).message ?? String(error)}`] };
}

function cell(value: Cell): string {
  if (value === undefined) return 'n/a';
  return typeof value === 'string' ? value : formatStat(value);
}

function renderTable(table: Table): string[] {
  return [
    `| ${table.columns.join(' | ')} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

/** Renders RESULTS.md. */
export function renderResults(r: BenchResults): string {
  const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'met' : '**NOT met**');
  const lines = [
    '# loadfleet benchmark results',
    '',
    `Written by \`npm run bench\`${r.mode === 'quick' ? ' **--quick (smoke mode: tiny numbers, not figures to quote)**' : ''} on ${r.startedAt} in ${Math.round(r.wallS)} s.`,
    `Each figure is **median (min–max) over ${r.runs} run${r.runs === 1 ? '' : 's'}** unless a section says otherwise.`,
    '',
    '## Machine',
    '',
    `- nproc: ${r.machine.nproc}; CPU: ${r.machine.cpuModel}; kernel ${r.machine.kernel}`,
    `- Node ${r.machine.node}; ${Object.entries(r.tools).map(([tool, version]) => `${tool} ${version}`).join('; ')}`,
    `- pinning: ${r.pinning}`,
    `- HTTP target for the generator sections: **${r.target.label}** (${r.target.note})`,
    ...r.notes.map((note) => `- ${note}`),
    '',
    '## Goals',
    '',
    ...renderTable({ columns: ['goal', 'target', 'measured (median)', 'verdict'], rows: r.goals.map((g) => [g.name, g.target, g.measured, verdict(g.met)]) }),
    '',
  ];
  const limits = r.goals.filter((g) => g.met === false && g.limit);
  if (limits.length > 0) {
    lines.push('What limits each goal not met, from this run\'s own figures (medians; a cause the bench did not measure is not claimed):', '');
    lines.push(...limits.map((g) => `- **${g.name}**: ${g.limit as string}`), '');
  }
  for (const section of r.sections) {
    lines.push(`## ${section.title}`, '');
    if (section.status !== 'ok') lines.push(`**${section.status}**`, '');
    if (section.method.length > 0) lines.push(...section.method.map((m) => `- ${m}`), '');
    for (const table of section.tables) lines.push(...renderTable(table), '');
    if (section.notes.length > 0) lines.push(...section.notes.map((n) => `> ${n}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
