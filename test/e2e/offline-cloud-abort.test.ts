import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/core/report/model.ts';
import { runOfflineFleet, type OfflineFleetRun } from '../helpers/offline-fleet.ts';
import { dayInLifeYaml } from './helpers.ts';
import { closedPort } from '../helpers/closed-port.ts';

let run: OfflineFleetRun | undefined;
afterEach(async () => {
  await run?.aws.stop();
  run = undefined;
});

describe('the abort rule through the offline cloud (real handlers, fauxqs, dynalite)', () => {
  it('a worker whose attempts all fail sets the run\'s stop flag with its verdict; the other units stop; the report is failed and names it', async () => {
    // Prepare: 200 orders in 20 batches against a closed port
    const port = await closedPort();

    // Act
    run = await runOfflineFleet({ input: { plan: dayInLifeYaml(`http://127.0.0.1:${port}`, { batchSize: 10 }), runId: 'dead' } });

    // Assess: every phase ran (sweep, aggregate), and the execution fails as a failed run's does
    expect(run.execution.status).toBe('FAILED');
    expect(run.execution.error).toBe('ExpectationsFailed');
    expect(run.execution.visited).toEqual(expect.arrayContaining(['Dispatch', 'CheckProgress', 'Sweep', 'Aggregate', 'ExpectationsFailed']));
    const stored = await run.store.getRun('dead');
    const verdict = new RegExp(`^aborted: error rate 100% .* most common: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`);
    expect(stored?.stopReason).toMatch(verdict);
    const report = JSON.parse((await run.objects.get('runs/dead/report.json')) ?? '{}') as RunReport;
    expect(report.status).toBe('failed');
    expect(report.notes).toContain(stored?.stopReason);
    expect(report.notes.filter((n) => n.startsWith('stop: '))).toEqual([]);
    // Nothing completed; what was never started is dropped under the rule's one reason, whichever worker dropped it
    const l = report.lifecycles;
    expect(l.completed).toBe(0);
    expect(l.completed + l.failed + l.dropped).toBe(200);
    expect(l.dropped).toBeGreaterThan(0);
    // Failed: refused, or refused by the breaker the refusals opened (20 in a row); nothing else
    const refused = l.reasons[`create: connect ECONNREFUSED 127.0.0.1:${port}`] ?? 0;
    expect(refused).toBeGreaterThan(0);
    expect(refused + (l.reasons['create: circuit-open'] ?? 0)).toBe(l.failed);
    expect(l.reasons['stopped: the error rate passed limits.abortOnErrorRate']).toBe(l.dropped);
  });
});
