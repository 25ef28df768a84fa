import { describe, expect, it } from 'vitest';
import { MemoryFleetStore } from '../../../lib/adapters/local/memory-fleet-store.ts';
import { MemoryUnitQueue } from '../../../lib/adapters/local/memory-unit-queue.ts';
import type { Cursor } from '../../../lib/core/engine/cursor.ts';
import type { RunRecord } from '../../../lib/core/fleet/ports.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { Redactor } from '../../../lib/core/redactor.ts';
import type { Unit } from '../../../lib/core/units.ts';
import { SealedFleetStore, SealedUnitQueue } from '../../../lib/runtime/fleet/sealed-fleet-store.ts';
import { SecretMissingError } from '../../../lib/runtime/fleet/errors.ts';
import { SecretSeal } from '../../../lib/runtime/fleet/secret-seal.ts';

const SENTINEL = 'SENTINEL-7f3a9c2e';
const ENV = { TOKEN: SENTINEL, LONGER: `${SENTINEL}-and-more`, PIN: '123' };

describe('Class: SecretSeal', () => {
  const seal = new SecretSeal(ENV);

  it('replaces each secret by a reference to its name, and puts the value back', () => {
    // Prepare
    const vars = { echoed: `Bearer ${SENTINEL}`, both: `${SENTINEL}-and-more / ${SENTINEL}`, pin: '123', n: 5, list: [SENTINEL, true, null] };

    // Act
    const sealed = seal.seal(vars);

    // Assess: a longer secret containing another is referenced whole; short values stay
    expect(sealed).toEqual({ echoed: 'Bearer \u0000TOKEN\u0000', both: '\u0000LONGER\u0000 / \u0000TOKEN\u0000', pin: '123', n: 5, list: ['\u0000TOKEN\u0000', true, null] });
    expect(JSON.stringify(sealed)).not.toContain(SENTINEL);
    expect(seal.unseal(sealed)).toEqual(vars);
  });

  it('keeps text that already holds the mark, or looks like a reference, exactly as it was', () => {
    // Prepare: a hostile target echoes what a reference looks like; it must not turn into the secret
    const vars = { forged: '\u0000TOKEN\u0000', mixed: `a\u0000\u0000b ${SENTINEL} \u0000` };

    // Act
    const back = seal.unseal(seal.seal(vars));

    // Assess
    expect(back).toEqual(vars);
    expect(back.forged).not.toContain(SENTINEL);
  });

  it('refuses a reference to a secret it does not have, naming it', () => {
    expect(() => new SecretSeal({ OTHER: 'other-value' }).unseal({ v: '\u0000TOKEN\u0000' })).toThrow(/refers to secret TOKEN, which this function does not have/);
    expect(() => new SecretSeal({ OTHER: 'other-value' }).unseal({ v: '\u0000TOKEN\u0000' })).toThrow(SecretMissingError);
    expect(() => new SecretSeal({ OTHER: 'other-value' }).unseal({ v: '\u0000TOKEN\u0000' })).toThrow(expect.objectContaining({ code: 'SECRET_MISSING', secret: 'TOKEN' }));
  });

  it('changes nothing without secrets', () => {
    const data = { v: 'x\u0000y' };
    expect(new SecretSeal({}).seal(data)).toBe(data);
  });
});

describe('Class: SealedFleetStore', () => {
  const cursor = (index: number): Cursor => ({ index, pc: 3, phase: 'cleanup', vars: { echoed: SENTINEL }, rng: [1, 2], state: 'created', failure: `poll: ${SENTINEL}` });
  const run: RunRecord = {
    runId: 'r1', plan: { text: 'headers: { x: "${env:TOKEN}" }', file: 'p.yaml', sharedVars: { fromSetup: SENTINEL } }, kind: 'custom', status: 'RUNNING',
    createdAt: 0, startAt: 0, deadline: 1e12, unitsPlanned: 1, warnings: [`phase "${SENTINEL}"`],
  };
  const resume: Unit = { kind: 'resume', runId: 'r1', unitId: 'b0001.c', cursors: [cursor(0)] };

  it('stores run state sealed and results masked, and reads the state back as it was', async () => {
    // Prepare
    const inner = new MemoryFleetStore();
    const store = new SealedFleetStore(inner, new SecretSeal(ENV), new Redactor(Object.values(ENV)));
    const recorder = new Recorder(0);
    recorder.recordLifecycle({ outcome: 'failed', index: 0, key: `K-${SENTINEL}`, state: 'created', terminal: false, reason: `poll: ${SENTINEL}` });

    // Act
    await store.createRun(run, [{ kind: 'batch', runId: 'r1', unitId: 'b0001', indices: [0] }]);
    await store.addUnits('r1', [resume]);
    await store.writeJournal('r1', { index: 0, key: `K-${SENTINEL}`, unitId: 'b0001', seq: 1, phase: 'parked', state: 'created', cursor: cursor(0) });
    const claim = await store.claimUnit('r1', 'b0001', 0, 1000);
    await store.completeUnit('r1', 'b0001', claim.status === 'claimed' ? claim.token : '', recorder.result(1), { status: 'DONE' });

    // Assess: nothing at rest holds the secret ...
    const atRest = JSON.stringify([await inner.getRun('r1'), await inner.listUnits('r1'), await inner.journalRange('r1', 0, 10)]);
    expect(atRest).not.toContain(SENTINEL);
    expect(atRest).toContain('\\u0000TOKEN\\u0000');
    // ... the result is masked for good, and the state reads back exactly
    const rows = await store.listUnits('r1');
    expect(rows.find((r) => r.unit.unitId === 'b0001')?.result?.nonTerminal).toEqual([{ index: 0, key: 'K-***', state: 'created', reason: 'poll: ***' }]);
    expect(rows.find((r) => r.unit.unitId === 'b0001.c')?.unit).toEqual(resume);
    expect((await store.getRun('r1'))?.plan).toEqual(run.plan);
    expect((await store.getRun('r1'))?.warnings).toEqual(['phase "***"']);
    expect(await store.journalRange('r1', 0, 0)).toEqual([{ index: 0, key: `K-${SENTINEL}`, unitId: 'b0001', seq: 1, phase: 'parked', state: 'created', cursor: cursor(0) }]);
    expect(await store.openJournal('r1')).toHaveLength(1);
  });
});

describe('Class: SealedUnitQueue', () => {
  it('sends resume units with their cursors sealed', async () => {
    // Prepare
    const inner = new MemoryUnitQueue();
    const queue = new SealedUnitQueue(inner, new SecretSeal(ENV));

    // Act
    await queue.send([{ kind: 'resume', runId: 'r1', unitId: 'u.c', cursors: [{ index: 0, pc: 1, phase: 'body', vars: { v: SENTINEL }, rng: [] }] }]);

    // Assess
    expect(inner.sent.map((m) => m.unit)).toEqual([{ kind: 'resume', runId: 'r1', unitId: 'u.c', cursors: [{ index: 0, pc: 1, phase: 'body', vars: { v: '\u0000TOKEN\u0000' }, rng: [] }] }]);
  });
});
