import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeJsonReport } from '../../lib/report/json.ts';
import { sampleReport } from './fixture.ts';

describe('Function: writeJsonReport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loadfleet-json-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates missing folders and writes pretty JSON that reads back equal', async () => {
    // Prepare
    const report = sampleReport();
    const path = join(dir, 'a', 'b', 'report.json');

    // Act
    await writeJsonReport(path, report);

    // Assess
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('{\n  "version": 1,')).toBe(true);
    expect(JSON.parse(text)).toEqual(report);
  });
});
