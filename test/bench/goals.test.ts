import { describe, expect, it } from 'vitest';
import { checkGoals } from '../../bench/lib/goals.ts';
import { renderResults, type BenchResults, type Section } from '../../bench/lib/results.ts';
import type { Stat } from '../../bench/lib/stats.ts';

const one = (median: number): Stat => ({ min: median, median, max: median, n: 1 });

/** A section with only the given figures. */
function section(id: Section['id'], figures: Record<string, number>): Section {
  return { id, title: id, status: 'ok', method: [], tables: [], figures: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, one(v)])), notes: [] };
}

describe('bench: goals', () => {
  it('notes what limits a goal not met from the run\'s own figures, and nothing for a goal met', () => {
    // Prepare
    const sections = [
      section('closed-loop', { 'ratio.cpuUsPerRequest': 1.4, 'loadfleet.cpuUsPerRequest': 14, 'autocannon.cpuUsPerRequest': 10, 'undici.cpuUsPerRequest': 16 }),
      section('memory', { 'bundled.peakRssMb.10': 108, 'bundled.peakRssMb.1000': 120, 'bundled.peakRssMb.100000': 280, 'tsx.peakRssMb.100000': 310, 'bundled.liveAfterGcMb.100000': 19, 'bundled.heapCommittedMb.100000': 190, 'floor.peakRssMb.100000': 215 }),
      section('bundle', { bundleMb: 1.2, gzipMb: 0.4, coldImportMs: 100, wholeProcessMs: 140 }),
    ];

    // Act
    const goals = checkGoals(sections);

    // Assess
    const byName = (start: string) => goals.find((g) => g.name.startsWith(start));
    expect(byName('hit CPU')?.met).toBe(false);
    expect(byName('hit CPU')?.limit).toContain('no more than that loop\'s cheapest run');
    expect(byName('peak RSS')?.measured).toBe('280 MB');
    expect(byName('peak RSS')?.limit).toContain('bundled CLI: peak 108 MB at 10 lifecycles (the process itself), 120 MB at 1,000 and 280 MB at 100,000');
    expect(byName('peak RSS')?.limit).toContain('through tsx 310 MB at 100,000');
    expect(byName('peak RSS')?.limit).toContain('at most 19.0 MB while V8 had up to 190 MB committed');
    expect(byName('peak RSS')?.limit).toContain('a bare undici request loop sending the same requests, with no loadfleet at all, peaks at 215 MB');
    expect(byName('worker bundle size')?.met).toBe(true);
    expect(byName('worker bundle size')?.limit).toBeUndefined();
    expect(byName('burst')?.met).toBeUndefined();
  });

  it('holds burst skew to the raw socket floor, the rate cost to the uniform undici floor, lifecycles to hit on the same target', () => {
    // Prepare
    const sections = [
      section('closed-loop', { 'loadfleet.cpuUsPerRequest': 15, 'autocannon.cpuUsPerRequest': 12 }),
      section('constant-rate', { 'ratio.cpuUsPerRequest': 2.5, 'loadfleet.cpuUsPerRequest': 50, 'autocannon.cpuUsPerRequest': 20, 'undici.cpuUsPerRequest': 44 }),
      section('burst', { 'skewMs.50': 2, 'skewMs.500': 16, 'floorSkewMs.50': 0.9, 'floorSkewMs.500': 6 }),
      section('lifecycle', { 'uncapped.ratio.hitSameTarget': 1.6, 'uncapped.ratio.hit': 2.9 }),
    ];

    // Act
    const goals = checkGoals(sections);

    // Assess
    const byName = (start: string) => goals.find((g) => g.name.startsWith(start));
    expect(byName('constant rate CPU')?.limit).toContain('a bare undici Pool sending the same uniform schedule costs 44.0 us/request, already 2.20x autocannon');
    expect(byName('constant rate CPU')?.limit).toContain('loadfleet is 1.14x that floor');
    expect(byName('burst')?.met).toBe(false);
    expect(byName('burst')?.limit).toContain('takes 6.00 ms itself, 12.0 us per write');
    expect(byName('burst')?.limit).toContain('loadfleet spends 10.0 ms over that floor');
    expect(byName('lifecycle')?.met).toBe(true);
    expect(byName('lifecycle')?.measured).toBe('1.60x');
  });

  it('lists the limit notes under the goals table', () => {
    const goals = checkGoals([section('closed-loop', { 'ratio.cpuUsPerRequest': 1.4, 'loadfleet.cpuUsPerRequest': 20, 'autocannon.cpuUsPerRequest': 10, 'undici.cpuUsPerRequest': 16 })]);
    const results: BenchResults = {
      mode: 'quick', runs: 1, startedAt: '2026-01-01T00:00:00.000Z', wallS: 1, machine: { nproc: 2, cpuModel: 'x', kernel: 'k', node: 'v24' },
      tools: {}, pinning: 'p', target: { label: 'nginx', url: 'http://127.0.0.1:1/', note: 'n' }, sections: [], goals, notes: [],
    };
    const text = renderResults(results);
    expect(text).toContain('What limits each goal not met');
    expect(text).toContain('costs 4.00 us/request more than the loop\'s cheapest run (16.0); 6.00 of the 10.0 us/request');
  });
});
