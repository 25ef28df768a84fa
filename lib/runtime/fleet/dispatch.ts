import type { FleetStore, UnitQueue, UnitRow } from '../../core/fleet/ports.ts';
import type { Unit } from '../../core/units.ts';

/**
 * Sends every unit of a run that is QUEUED but not yet accepted by the queue (with `writtenBefore`, only
 * those written before that instant), then marks the accepted ones sent. Used by the dispatch step (the plan's units) and by each progress check (continuations a
 * worker wrote but could not send before it died). Sending twice is harmless: claims are idempotent.
 * Resume units whose lifecycles wait a while are sent delayed, so no worker idles through the wait.
 */
export async function dispatchQueued(runId: string, store: FleetStore, queue: UnitQueue, now: number, opts: { readonly writtenBefore?: number } = {}): Promise<{ sent: number; left: number }> {
  const before = opts.writtenBefore ?? Number.POSITIVE_INFINITY;
  const pending = (await store.listUnits(runId, { results: false })).filter((row) => row.status === 'QUEUED' && !row.sent && (row.queuedAt ?? 0) < before);
  return sendUnits(runId, pending.map((row: UnitRow) => row.unit), store, queue, now);
}

/** Sends units (grouped by their delay) and marks the accepted ones sent. */
export async function sendUnits(runId: string, units: readonly Unit[], store: FleetStore, queue: UnitQueue, now: number): Promise<{ sent: number; left: number }> {
  const byDelay = new Map<number, Unit[]>();
  for (const unit of units) {
    const delay = delaySecondsOf(unit, now);
    let list = byDelay.get(delay);
    if (!list) byDelay.set(delay, (list = []));
    list.push(unit);
  }
  let sent = 0;
  for (const [delay, list] of byDelay) {
    const accepted = await queue.send(list, delay);
    if (accepted.length > 0) await store.markSent(runId, accepted);
    sent += accepted.length;
  }
  return { sent, left: units.length - sent };
}

/** Seconds a worker can be spared before it has anything to do: resume units wait for their earliest lifecycle. */
export function delaySecondsOf(unit: Unit, now: number): number {
  if (unit.kind !== 'resume') return 0;
  const earliest = Math.min(...unit.cursors.map((c) => c.wakeAt ?? now));
  // Arrive a little early: the worker sleeps the rest on its own clock, so a cold start costs nothing.
  return Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.floor((earliest - now) / 1000) - EARLY_SECONDS));
}

/** SQS's largest per-message delay. */
export const MAX_DELAY_SECONDS = 900;
const EARLY_SECONDS = 5;
