import { describe, expect, it } from 'vitest';
import {
  sameSnapshot,
  StabilityTracker,
  type StatSnapshot,
} from '../../../src/watcher/stability.js';

class FakeClock {
  nowMs = 1_000_000;
  now(): number {
    return this.nowMs;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

const base: StatSnapshot = {
  size: 100,
  mtimeMs: 1_700_000_000_000,
  ino: 42,
  dev: 7,
};

describe('StabilityTracker', () => {
  it('is waiting at first sight and stable once the same snapshot held for the whole window', () => {
    const clock = new FakeClock();
    const tracker = new StabilityTracker(1000, clock);
    expect(tracker.observe(base)).toBe('waiting');
    clock.advance(999);
    expect(tracker.observe({ ...base })).toBe('waiting');
    expect(tracker.remainingMs()).toBe(1);
    clock.advance(1);
    expect(tracker.observe({ ...base })).toBe('stable');
    clock.advance(5000);
    expect(tracker.observe({ ...base })).toBe('stable');
  });

  it.each([
    ['size', { size: 101 }],
    ['mtime', { mtimeMs: base.mtimeMs + 1 }],
    ['inode', { ino: 43 }],
    ['device', { dev: 8 }],
  ] as const)('restarts the window when the %s changes', (_what, change) => {
    const clock = new FakeClock();
    const tracker = new StabilityTracker(1000, clock);
    tracker.observe(base);
    clock.advance(900);
    expect(tracker.observe({ ...base, ...change })).toBe('waiting');
    clock.advance(900);
    // 1800 ms since the first look, but only 900 since the change.
    expect(tracker.observe({ ...base, ...change })).toBe('waiting');
    clock.advance(100);
    expect(tracker.observe({ ...base, ...change })).toBe('stable');
  });

  it('a file that goes back to its old snapshot still restarts (any change counts)', () => {
    const clock = new FakeClock();
    const tracker = new StabilityTracker(1000, clock);
    tracker.observe(base);
    clock.advance(600);
    tracker.observe({ ...base, size: 50 });
    clock.advance(600);
    expect(tracker.observe(base)).toBe('waiting');
    clock.advance(999);
    expect(tracker.observe(base)).toBe('waiting');
  });

  it('reports vanished for a missing file and starts from scratch when it comes back', () => {
    const clock = new FakeClock();
    const tracker = new StabilityTracker(1000, clock);
    tracker.observe(base);
    clock.advance(2000);
    expect(tracker.observe('missing')).toBe('vanished');
    expect(tracker.snapshot).toBeNull();
    expect(tracker.observe(base)).toBe('waiting');
    clock.advance(1000);
    expect(tracker.observe(base)).toBe('stable');
  });

  it('restart() (a file event) restarts the window even when the snapshot did not change', () => {
    const clock = new FakeClock();
    const tracker = new StabilityTracker(1000, clock);
    tracker.observe(base);
    clock.advance(800);
    tracker.restart();
    clock.advance(800);
    expect(tracker.observe(base)).toBe('waiting');
    clock.advance(200);
    expect(tracker.observe(base)).toBe('stable');
  });

  it('needs two looks even with a zero window', () => {
    const clock = new FakeClock();
    const tracker = new StabilityTracker(0, clock);
    expect(tracker.observe(base)).toBe('waiting');
    expect(tracker.observe(base)).toBe('stable');
  });

  it('rejects a negative window', () => {
    expect(() => new StabilityTracker(-1, new FakeClock())).toThrow(RangeError);
  });

  it('sameSnapshot compares all four fields', () => {
    expect(sameSnapshot(base, { ...base })).toBe(true);
    expect(sameSnapshot(base, { ...base, dev: 1 })).toBe(false);
  });
});
