import { describe, expect, it } from 'vitest';
import { sleepOrPark } from '../../../lib/core/engine/sleep.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

describe('Function: sleepOrPark', () => {
  it('sleeps the full time when neither signal fires', async () => {
    // Prepare
    const clock = new FakeClock();
    const sleeping = sleepOrPark(clock, 1000, new AbortController().signal, new AbortController().signal);

    // Act
    await clock.advance(1000);

    // Assess
    expect(await sleeping).toBe('slept');
  });

  it('ends at once as parked when the park fires mid-sleep, and never starts a sleep after it', async () => {
    // Prepare
    const clock = new FakeClock();
    const park = new AbortController();
    const sleeping = sleepOrPark(clock, 1000, new AbortController().signal, park.signal);

    // Act
    await clock.advance(400);
    park.abort();

    // Assess
    expect(await sleeping).toBe('parked');
    expect(clock.pending()).toBe(0);
    expect(await sleepOrPark(clock, 1000, new AbortController().signal, park.signal)).toBe('parked');
    expect(clock.pending()).toBe(0);
  });

  it('reports cut when the cut signal fired, even with the park fired too, and a zero sleep as slept', async () => {
    // Prepare
    const clock = new FakeClock();
    const cut = new AbortController();
    const park = new AbortController();
    park.abort();

    // Act
    const zero = await sleepOrPark(clock, 0, cut.signal, park.signal);
    cut.abort();
    const both = await sleepOrPark(clock, 1000, cut.signal, park.signal);

    // Assess
    expect(zero).toBe('slept');
    expect(both).toBe('cut');
  });

  it('without a park, is cut by the cut signal alone', async () => {
    // Prepare
    const clock = new FakeClock();
    const cut = new AbortController();
    const sleeping = sleepOrPark(clock, 1000, cut.signal, undefined);

    // Act
    await clock.advance(10);
    cut.abort();

    // Assess
    expect(await sleeping).toBe('cut');
  });
});
