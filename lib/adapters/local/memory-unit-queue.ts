import type { UnitQueue } from '../../core/fleet/ports.ts';
import type { Unit } from '../../core/units.ts';

/** One message of a `MemoryUnitQueue`. */
export interface QueuedUnit {
  readonly unit: Unit;
  readonly delaySeconds: number;
}

/**
 * `MemoryUnitQueue` is an in-process `UnitQueue` for tests and in-process drivers: it accepts every
 * unit (deep-copied, as a real queue would serialise it) and hands them out in order with `take`.
 */
export class MemoryUnitQueue implements UnitQueue {
  private readonly messages: QueuedUnit[] = [];
  /** Every unit ever sent, in order (a test's history). */
  readonly sent: QueuedUnit[] = [];

  async send(units: readonly Unit[], delaySeconds = 0): Promise<string[]> {
    for (const unit of units) {
      const message = { unit: structuredClone(unit), delaySeconds };
      this.messages.push(message);
      this.sent.push(message);
    }
    return units.map((u) => u.unitId);
  }

  /** Removes and returns the oldest message, if any. */
  take(): QueuedUnit | undefined {
    return this.messages.shift();
  }

  /** Messages waiting. */
  get size(): number {
    return this.messages.length;
  }
}
