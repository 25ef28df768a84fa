import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Deadline } from '../../../lib/adapters/http/deadlines.ts';

const entry = (expired: string[], name: string): Deadline & { name: string } => ({
  name, deadline: 0, prev: undefined, next: undefined, list: undefined, expire: () => expired.push(name),
});

describe('Class: Deadlines', () => {
  afterEach(() => vi.useRealTimers());

  it('expires entries at their deadline, per timeout, and never those removed first', () => {
    // Prepare
    vi.useFakeTimers();
    let now = 0;
    const deadlines = new Deadlines(() => now);
    const expired: string[] = [];
    const a = entry(expired, 'a');
    const b = entry(expired, 'b');
    const c = entry(expired, 'c');
    deadlines.add(a, 100);
    deadlines.add(b, 100);
    deadlines.add(c, 1000);

    // Act: b settles in time; the clock passes 100 ms, then 1000 ms
    deadlines.remove(b);
    now = 105;
    vi.advanceTimersByTime(105);
    const first = [...expired];
    now = 1005;
    vi.advanceTimersByTime(900);

    // Assess
    expect(first).toEqual(['a']);
    expect(expired).toEqual(['a', 'c']);
    expect([...deadlines.entries()]).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
