import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunReport } from '../core/report/model.ts';

/**
 * `writeJsonReport` writes a `RunReport` as pretty-printed JSON, creating the folder if needed.
 *
 * @example
 * await writeJsonReport('reports/run-42/report.json', report);
 */
export async function writeJsonReport(path: string, report: RunReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
}
