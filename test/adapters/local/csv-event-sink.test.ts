import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CsvEventSink, EventSinkClosedError, FLUSH_EVERY_MS, NullEventSink } from '../../../lib/adapters/local/csv-event-sink.ts';
import { csvEventRow, EVENT_CSV_COLUMNS } from '../../../lib/core/report/events-csv.ts';
import type { LifecycleEvent } from '../../../lib/core/ports.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function event(i: number): LifecycleEvent {
  if (i % 2 === 0) {
    return { at: T0 + i, unitId: 'u1', index: i, key: `ORD-${i}`, type: 'request', request: 'create', attempt: 1, status: 202, latencyMs: 12.5 };
  }
  return { at: T0 + i, unitId: 'u1', index: i, key: `ORD-${i}`, type: 'transition', from: 'created', to: 'activated' };
}

describe('Class: CsvEventSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loadfleet-csv-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('HAPPY PATH', () => {
    it('streams 10,000 events to a complete file with a header row', async () => {
      // Prepare
      const path = join(dir, 'nested', 'events.csv');
      const sink = await CsvEventSink.open(path);

      // Act
      for (let i = 0; i < 10_000; i++) sink.write(event(i));
      await sink.close();

      // Assess
      const lines = (await readFile(path, 'utf8')).split('\n');
      expect(lines.at(-1)).toBe('');
      const rows = lines.slice(0, -1);
      expect(rows).toHaveLength(10_001);
      expect(rows[0]).toBe(EVENT_CSV_COLUMNS.join(','));
      expect(rows[1]).toBe('2025-01-01T12:00:00.000Z,u1,0,ORD-0,request,create,1,202,12.5,,,,');
      expect(rows[2]).toBe('2025-01-01T12:00:00.001Z,u1,1,ORD-1,transition,,,,,,created,activated,');
      expect(rows[10_000]?.split(',').slice(1, 5)).toEqual(['u1', '9999', 'ORD-9999', 'transition']);
    });

    it('quotes fields that contain commas, quotes or newlines', async () => {
      // Prepare
      const path = join(dir, 'events.csv');
      const sink = await CsvEventSink.open(path);

      // Act
      sink.write({ at: T0, unitId: 'u1', index: 0, key: 'a,b', type: 'failed', reason: 'poll "details": max\nattempts' });
      await sink.close();

      // Assess
      const text = await readFile(path, 'utf8');
      expect(text).toContain('"a,b",failed,,,,,,,,"poll ""details"": max\nattempts"\n');
    });

    it('writes only the header when no event came', async () => {
      // Prepare
      const path = join(dir, 'events.csv');

      // Act
      await (await CsvEventSink.open(path)).close();

      // Assess
      expect(await readFile(path, 'utf8')).toBe(`${EVENT_CSV_COLUMNS.join(',')}\n`);
    });
  });

  describe('Flushing on a timer', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** The file's text once it holds `lines` lines (real time, bounded: the write itself is real I/O). */
    async function linesOf(path: string, lines: number): Promise<string[]> {
      for (let i = 0; i < 500; i++) {
        const rows = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
        if (rows.length >= lines) return rows;
        await sleep(10);
      }
      throw new Error(`${path} never held ${lines} lines`);
    }

    it('hands buffered rows to the file within a second, without close, so a hard stop loses at most that second', async () => {
      // Prepare: only the flush interval is faked; file I/O and the polling sleep stay real
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const path = join(dir, 'events.csv');
      const sink = await CsvEventSink.open(path);

      // Act: two events, far below the 64 KiB chunk, then a second passes
      sink.write(event(0));
      sink.write(event(1));
      const before = await readFile(path, 'utf8');
      vi.advanceTimersByTime(FLUSH_EVERY_MS);

      // Assess: nothing was written before the tick; after it, the header and both rows are in the file
      expect(before).toBe('');
      expect(await linesOf(path, 3)).toEqual([EVENT_CSV_COLUMNS.join(','), csvEventRow(event(0)).trimEnd(), csvEventRow(event(1)).trimEnd()]);

      // Act: a later event waits for the next tick, not for close
      sink.write(event(2));
      vi.advanceTimersByTime(FLUSH_EVERY_MS);

      // Assess
      expect((await linesOf(path, 4))[3]).toBe(csvEventRow(event(2)).trimEnd());
      await sink.close();
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('SAD PATH', () => {
    it('throws EventSinkClosedError when writing after close, and closing twice is harmless', async () => {
      // Prepare
      const sink = await CsvEventSink.open(join(dir, 'events.csv'));
      await sink.close();

      // Act / Assess
      expect(() => sink.write(event(0))).toThrow(EventSinkClosedError);
      await expect(sink.close()).resolves.toBeUndefined();
    });

    it('rejects open when the file cannot be created', async () => {
      // Act / Assess: the path is an existing folder
      await expect(CsvEventSink.open(dir)).rejects.toThrow(/EISDIR/);
    });
  });
});

describe('Class: NullEventSink', () => {
  it('accepts events and closes', async () => {
    // Prepare
    const sink = new NullEventSink();

    // Act
    sink.write(event(0));

    // Assess
    await expect(sink.close()).resolves.toBeUndefined();
  });
});
