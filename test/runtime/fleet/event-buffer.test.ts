import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvEventSink } from '../../../lib/adapters/local/csv-event-sink.ts';
import type { LifecycleEvent } from '../../../lib/core/ports.ts';
import { Redactor } from '../../../lib/core/redactor.ts';
import { EVENT_CSV_HEADER } from '../../../lib/core/report/events-csv.ts';
import { EventBuffer } from '../../../lib/runtime/fleet/event-buffer.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

const EVENTS: LifecycleEvent[] = [
  { at: T0, unitId: 'b0001', index: 0, key: 'ORD-0', type: 'request', request: 'create', attempt: 1, status: 202, latencyMs: 12.5 },
  { at: T0 + 1, unitId: 'b0001', index: 0, key: 'ORD-0', type: 'transition', from: 'created', to: 'accepted' },
  { at: T0 + 2, unitId: 'b0001', index: 1, key: 'a,"b"', type: 'failed', reason: 'echoed s3cr3t-token\nand more' },
];

describe('Class: EventBuffer', () => {
  it('holds the very rows a local run writes to events.csv, masked alike: one format for both writers', async () => {
    // Prepare
    const redactor = new Redactor(['s3cr3t-token']);
    const dir = await mkdtemp(join(tmpdir(), 'loadfleet-buffer-'));
    try {
      const sink = await CsvEventSink.open(join(dir, 'events.csv'), redactor);
      const buffer = new EventBuffer(redactor);

      // Act
      for (const event of EVENTS) {
        sink.write(event);
        buffer.write(event);
      }
      await sink.close();

      // Assess: the file is the header, then exactly the buffer's text
      expect(buffer.rows).toBe(3);
      expect(await readFile(join(dir, 'events.csv'), 'utf8')).toBe(EVENT_CSV_HEADER + buffer.text());
      expect(buffer.text()).toContain('"echoed ***\nand more"\n');
      expect(buffer.text()).not.toContain('s3cr3t-token');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves out, and counts, the rows past its size', () => {
    // Prepare: room for the first row only
    const buffer = new EventBuffer(Redactor.none, 100);

    // Act
    for (const event of EVENTS) buffer.write(event);

    // Assess
    expect(buffer.rows).toBe(1);
    expect(buffer.omitted).toBe(2);
    expect(buffer.text()).toBe('2025-01-01T12:00:00.000Z,b0001,0,ORD-0,request,create,1,202,12.5,,,,\n');
  });
});
