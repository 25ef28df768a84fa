import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installStopSignals, PARENT_POLL_MS, REPEAT_WINDOW_MS, type StopSignalEnv } from '../../lib/cli/signals.ts';

/** A process stand-in: signals are emitted by the test, time and the parent pid are set by it. */
function fakeProcess(parent = 4242) {
  const emitter = new EventEmitter();
  const state = { now: 0, ppid: parent, exits: [] as number[], hangups: 0 };
  const env: StopSignalEnv = {
    now: () => state.now,
    exit: (code) => void state.exits.push(code),
    ppid: () => state.ppid,
    pid: 777,
    signals: emitter as unknown as StopSignalEnv['signals'],
    hungUp: () => void state.hangups++,
  };
  const send = (signal: NodeJS.Signals): boolean => emitter.emit(signal, signal);
  return { env, state, send, emitter };
}

describe('installStopSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stops on the first SIGINT and exits 130 on a second one after the repeat window', () => {
    // Prepare
    const p = fakeProcess();
    const log: string[] = [];
    const signals = installStopSignals((l) => log.push(l), p.env);

    // Act: the first Ctrl+C
    p.send('SIGINT');

    // Assess: stopping, not killed
    expect(signals.stop.aborted).toBe(true);
    expect((signals.stop.reason as Error).message).toBe('interrupted by SIGINT');
    expect(signals.kill.aborted).toBe(false);
    expect(p.state.exits).toEqual([]);
    expect(log[0]).toContain('(loadfleet pid 777). Press Ctrl+C again (or kill 777) to exit at once.');

    // Act: a second Ctrl+C, well after the first
    p.state.now += REPEAT_WINDOW_MS;
    p.send('SIGINT');

    // Assess
    expect(signals.kill.aborted).toBe(true);
    expect(p.state.exits).toEqual([130]);
    expect(log.at(-1)).toContain('second SIGINT: exiting now');
    signals.dispose();
  });

  it('takes a repeat within the window (a group signal, a relayed copy) as the same stop', () => {
    // Prepare
    const p = fakeProcess();
    const log: string[] = [];
    const signals = installStopSignals((l) => log.push(l), p.env);

    // Act: SIGTERM to the group reaches the run, then a copy relayed by a wrapper 30 ms later
    p.send('SIGTERM');
    p.state.now += 30;
    p.send('SIGTERM');
    p.state.now += REPEAT_WINDOW_MS - 31;
    p.send('SIGINT');

    // Assess
    expect(signals.stop.aborted).toBe(true);
    expect(signals.kill.aborted).toBe(false);
    expect(p.state.exits).toEqual([]);
    expect(log.filter((l) => l.includes('the same stop'))).toHaveLength(2);
    signals.dispose();
  });

  it('treats SIGHUP as SIGTERM, never as the hard exit, and quiets output to the closed terminal', () => {
    // Prepare
    const p = fakeProcess();
    const signals = installStopSignals(() => undefined, p.env);

    // Act
    p.send('SIGHUP');
    p.state.now += 10 * REPEAT_WINDOW_MS;
    p.send('SIGHUP');

    // Assess
    expect(signals.stop.aborted).toBe(true);
    expect((signals.stop.reason as Error).message).toContain('SIGHUP');
    expect(signals.kill.aborted).toBe(false);
    expect(p.state.exits).toEqual([]);
    expect(p.state.hangups).toBe(1);
    signals.dispose();
  });

  it('stops as for SIGTERM when the launching process is gone (the run was orphaned)', () => {
    // Prepare
    const p = fakeProcess(4242);
    const log: string[] = [];
    const signals = installStopSignals((l) => log.push(l), p.env);
    vi.advanceTimersByTime(5 * PARENT_POLL_MS);
    expect(signals.stop.aborted).toBe(false);

    // Act: npx was killed; the kernel re-parents us to init (or a subreaper)
    p.state.ppid = 1;
    vi.advanceTimersByTime(PARENT_POLL_MS);

    // Assess
    expect(signals.stop.aborted).toBe(true);
    expect((signals.stop.reason as Error).message).toBe('the launching process (pid 4242) is gone');
    expect(log.join('\n')).toContain('(pid 4242) is gone: stopping as for SIGTERM');
    expect(signals.kill.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    signals.dispose();
  });

  it('lets go of every listener and timer on dispose', () => {
    const p = fakeProcess();
    const signals = installStopSignals(() => undefined, p.env);
    signals.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => p.emitter.listenerCount(s))).toEqual([0, 0, 0]);
    p.send('SIGINT');
    expect(signals.stop.aborted).toBe(false);
  });
});
