import { describe, expect, it } from 'vitest';
import { RunGuard } from '../../../lib/core/engine/run-guard.ts';

describe('Class: RunGuard', () => {
  describe('Method: acquire', () => {
    it('admits up to maxConcurrency at once and hands released slots to waiters in order', async () => {
      // Prepare
      const guard = new RunGuard({ maxRequests: 100, deadline: Number.POSITIVE_INFINITY, maxConcurrency: 2 });
      const order: string[] = [];

      // Act
      expect(guard.acquire()).toBeUndefined();
      expect(guard.acquire()).toBeUndefined();
      const third = guard.acquire()?.then(() => order.push('third'));
      const fourth = guard.acquire()?.then(() => order.push('fourth'));
      expect(guard.inFlightNow).toBe(2);
      guard.release();
      await third;
      guard.release();
      await fourth;

      // Assess
      expect(order).toEqual(['third', 'fourth']);
      expect(guard.inFlightNow).toBe(2);
      guard.release();
      guard.release();
      expect(guard.inFlightNow).toBe(0);
    });
  });

  describe('Method: admit', () => {
    it('stops the run with a reason once the request budget is spent, but lets cleanup requests through', () => {
      const guard = new RunGuard({ maxRequests: 2, deadline: Number.POSITIVE_INFINITY });
      expect(guard.admit(0)).toBe(true);
      expect(guard.admit(0)).toBe(true);
      expect(guard.admit(0)).toBe(false);
      expect(guard.signal.aborted).toBe(true);
      expect(guard.reason).toContain('limits.maxRequests');
      expect(guard.admit(0, true)).toBe(true);
    });

    it('stops the run at its deadline', () => {
      const guard = new RunGuard({ maxRequests: 10, deadline: 1000 });
      expect(guard.admit(999)).toBe(true);
      expect(guard.admit(1001)).toBe(false);
      expect(guard.reason).toContain('limits.maxDuration');
    });
  });
});
