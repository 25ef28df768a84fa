import type { RunStore } from '../../core/ports.ts';
import type { UnitResult } from '../../core/recorder/types.ts';

/**
 * `MemoryRunStore` is the in-process `RunStore`: claims and results in maps, with the same
 * idempotency contract as the durable stores (a done unit cannot be claimed again; first save wins).
 */
export class MemoryRunStore implements RunStore {
  private readonly claims = new Set<string>();
  private readonly results = new Map<string, Map<string, UnitResult>>();

  async claimUnit(runId: string, unitId: string): Promise<boolean> {
    const key = `${runId}/${unitId}`;
    if (this.claims.has(key)) return false;
    this.claims.add(key);
    return true;
  }

  async saveUnitResult(runId: string, unitId: string, result: UnitResult): Promise<void> {
    let run = this.results.get(runId);
    if (!run) this.results.set(runId, (run = new Map()));
    if (!run.has(unitId)) run.set(unitId, result);
  }

  async unitResults(runId: string): Promise<UnitResult[]> {
    return [...(this.results.get(runId)?.values() ?? [])];
  }
}
