import { formatDuration } from '../core/duration.ts';
import type { RunReport, RunStatus } from '../core/report/model.ts';
import type { DistributionMs } from '../core/recorder/summary.ts';

/** Options of `renderSummary`. */
export interface RenderOptions {
  /** Colour the status and the expectation verdicts with ANSI codes. Default false (plain text). */
  color?: boolean;
  /** How many non-terminal lifecycles to list by name. Default 5. */
  maxNonTerminal?: number;
}

const ANSI = { red: 31, green: 32, yellow: 33, bold: 1 } as const;
const STATUS_COLOR: Record<RunStatus, keyof typeof ANSI> = { completed: 'green', aborted: 'yellow', failed: 'red' };

/**
 * `renderSummary` renders a `RunReport` as a compact plain-text summary for a terminal or a log: run,
 * status and duration; lifecycle outcomes; entity states reached; what was left non-terminal and why;
 * one table row per endpoint; totals; and each expectation with expected and actual values.
 *
 * @example
 * process.stdout.write(renderSummary(report, { color: process.stdout.isTTY }));
 */
export function renderSummary(report: RunReport, options: RenderOptions = {}): string {
  const paint = (color: keyof typeof ANSI, text: string): string => (options.color ? `\u001b[${ANSI[color]}m${text}\u001b[0m` : text);
  const lines: string[] = [];

  lines.push(
    `Run ${report.runId} (${report.plan.name}, ${report.plan.kind}): ${paint(STATUS_COLOR[report.status], report.status.toUpperCase())} in ${formatDuration(report.durationMs)}`,
    `  ${report.startedAt} -> ${report.endedAt}`,
    '',
  );

  const { lifecycles } = report;
  lines.push(`Lifecycles    planned ${lifecycles.planned}, completed ${lifecycles.completed}, failed ${lifecycles.failed}, dropped ${lifecycles.dropped}`);
  if (lifecycles.inProgress !== 0) {
    lines.push(`  ${paint('red', `unaccounted ${lifecycles.inProgress}`)} (planned - completed - failed - dropped should be 0)`);
  }
  const reasons = Object.entries(lifecycles.reasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) lines.push(`  reasons: ${reasons.map(([reason, count]) => `${reason} ${count}`).join(', ')}`);

  const states = orderStates(report.states, report.transitions);
  if (states.length > 0) {
    lines.push(`${pad(`${statesLabel(report.plan.entity)}:`, 14)}${states.map(([state, count]) => `${state} ${count}`).join(', ')}`);
  }

  const nonTerminal = report.nonTerminal;
  lines.push(`Non-terminal  ${nonTerminal.count === 0 ? '0' : paint('red', String(nonTerminal.count))}`);
  const shown = nonTerminal.entries.slice(0, options.maxNonTerminal ?? 5);
  for (const entry of shown) lines.push(`  #${entry.index} ${entry.key}  ${entry.state}: ${entry.reason}`);
  if (nonTerminal.count > shown.length) lines.push(`  ... and ${nonTerminal.count - shown.length} more (see the JSON report)`);
  lines.push('');

  lines.push(...endpointTable(report), `  ${report.totals.rps.toFixed(2)} requests/s`);
  const errorKinds = Object.entries(report.endpoints).flatMap(([name, e]) =>
    Object.entries(e.errors).map(([kind, count]) => `${name}/${kind} ${count}`),
  );
  if (errorKinds.length > 0) lines.push(`  errors: ${report.totals.errors} (${errorKinds.join(', ')})`);

  if (report.batches.count > 0) {
    lines.push('', `Batches       ${report.batches.count}, duration ${distribution(report.batches.durationMs)}`);
  }
  if (report.phases && report.phases.length > 0) lines.push('', ...phaseTable(report.phases));
  if (report.starts && report.starts.count > 0) {
    lines.push('', `Starts        ${report.starts.count} with an intended start; send skew (last - first) ${ms(report.starts.skewMs)} ms`);
  }
  if (report.verified && Object.keys(report.verified).length > 0) {
    lines.push('', 'Verified      (read back from the target after the load)');
    for (const [name, value] of Object.entries(report.verified)) lines.push(`  ${name} = ${truncate(JSON.stringify(value) ?? 'undefined', 100)}`);
  }

  if (report.expectations.length > 0) {
    const passed = report.expectations.filter((e) => e.ok).length;
    lines.push('', `Expectations  ${passed}/${report.expectations.length} passed`);
    const width = Math.max(...report.expectations.map((e) => e.rule.length));
    for (const e of report.expectations) {
      const verdict = e.ok ? paint('green', 'PASS') : paint('red', 'FAIL');
      lines.push(`  ${verdict}  ${pad(e.rule, width)}  expected ${e.expected}, actual ${e.actual}`);
    }
  }

  if (report.notes.length > 0) {
    lines.push('', 'Notes');
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One row per endpoint plus a total row, columns aligned. */
function endpointTable(report: RunReport): string[] {
  const header = ['Endpoint', 'Requests', 'OK', 'Errors', 'Retries', 'p50 ms', 'p95 ms', 'p99 ms'];
  const rows = Object.entries(report.endpoints).map(([name, e]) => [
    name,
    String(e.attempts),
    String(e.ok),
    percent(e.errorRate),
    String(e.retries),
    ms(e.latencyMs.p50),
    ms(e.latencyMs.p95),
    ms(e.latencyMs.p99),
  ]);
  const { totals } = report;
  const ok = Object.values(report.endpoints).reduce((sum, e) => sum + e.ok, 0);
  const retries = Object.values(report.endpoints).reduce((sum, e) => sum + e.retries, 0);
  const all = totals.latencyMs;
  const total = ['Total', String(totals.requests), String(ok), percent(totals.errorRate), String(retries), ms(all.p50), ms(all.p95), ms(all.p99)];
  const table = [header, ...rows, total];
  const widths = header.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]): string =>
    row.map((cell, column) => (column === 0 ? pad(cell, widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  return table.map(format);
}

/**
 * Orders states the way a lifecycle walks them: by distance from `start` in the transition graph, then
 * by count (most entered first). States the graph does not reach from `start` come last.
 */
function orderStates(states: Record<string, number>, transitions: Record<string, number>): Array<[string, number]> {
  const next = new Map<string, string[]>();
  for (const key of Object.keys(transitions)) {
    const at = key.lastIndexOf('->');
    const from = key.slice(0, at);
    const to = key.slice(at + 2);
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const depth = new Map<string, number>([['start', 0]]);
  const queue = ['start'];
  for (let i = 0; i < queue.length; i++) {
    const from = queue[i] as string;
    for (const to of next.get(from) ?? []) {
      if (depth.has(to)) continue;
      depth.set(to, (depth.get(from) ?? 0) + 1);
      queue.push(to);
    }
  }
  return Object.entries(states).sort(
    (a, b) => (depth.get(a[0]) ?? Infinity) - (depth.get(b[0]) ?? Infinity) || b[1] - a[1] || a[0].localeCompare(b[0]),
  );
}

function statesLabel(entity: string | undefined): string {
  if (entity === undefined || entity === '') return 'States';
  return entity.endsWith('s') ? entity : `${entity}s`;
}

function distribution(d: DistributionMs): string {
  return `p50 ${formatDuration(d.p50)}, p95 ${formatDuration(d.p95)}, p99 ${formatDuration(d.p99)}, max ${formatDuration(d.max)}`;
}

function ms(value: number): string {
  if (value < 10) return value.toFixed(2);
  if (value < 1000) return value.toFixed(1);
  return value.toFixed(0);
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Phases side by side: one column per phase, so before/after is visible at a glance. */
function phaseTable(phases: NonNullable<RunReport['phases']>): string[] {
  const tasks = [...new Set(phases.flatMap((p) => Object.keys(p.tasks)))].sort();
  const rows: string[][] = [
    ['Phase', ...phases.map((p) => p.name)],
    ['duration', ...phases.map((p) => `${(p.durationMs / 1000).toFixed(1)}s`)],
    ['requests', ...phases.map((p) => String(p.requests))],
    ['rate /s', ...phases.map((p) => p.rps.toFixed(1))],
    ['errors', ...phases.map((p) => percent(p.errorRate))],
    ['p50 ms', ...phases.map((p) => ms(p.latencyMs.p50))],
    ['p95 ms', ...phases.map((p) => ms(p.latencyMs.p95))],
    ['p99 ms', ...phases.map((p) => ms(p.latencyMs.p99))],
    ...tasks.map((task) => [`mix ${task}`, ...phases.map((p) => `${((p.tasks[task]?.share ?? 0) * 100).toFixed(1)}%`)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? pad(cell, widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd());
}
