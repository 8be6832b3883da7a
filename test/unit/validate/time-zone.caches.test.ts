import { describe, expect, it } from 'vitest';
import {
  createZoneConverter,
  wallTimeToUtcMs,
  type WallTime,
} from '../../../src/validate/time-zone.js';

/**
 * The converter keeps an offset per wall day (one lookup per value instead of two probes) and
 * the exact offset per UTC midnight. These caches must never change an answer: this compares
 * it with the probing algorithm without them (kept here as the reference), on wall times all
 * over the years and on every half hour around each transition, in zones with unusual
 * rules.
 */
const MS_PER_DAY = 86_400_000;
const PROBE_MS = 12 * 3_600_000;

function referenceConverter(timeZone: string): (wall: WallTime) => number {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  });
  // Memoised per instant only: that cannot change an answer, and keeps the test quick.
  const known = new Map<number, number>();
  const exactOffset = (epochMs: number): number => {
    const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
    const cached = known.get(wholeSeconds);
    if (cached !== undefined) {
      return cached;
    }
    const parts: Record<string, string> = {};
    for (const part of formatter.formatToParts(wholeSeconds)) {
      parts[part.type] = part.value;
    }
    const year = Number(parts['year']);
    const wall = {
      year: parts['era']?.startsWith('B') ? 1 - year : year,
      month: Number(parts['month']),
      day: Number(parts['day']),
      hour: Number(parts['hour']),
      minute: Number(parts['minute']),
      second: Number(parts['second']),
      millisecond: 0,
    };
    const offset = wallTimeToUtcMs(wall) - wholeSeconds;
    known.set(wholeSeconds, offset);
    return offset;
  };
  const offsetAt = (epochMs: number): number => {
    const day = Math.floor(epochMs / MS_PER_DAY);
    const atStart = exactOffset(day * MS_PER_DAY);
    const atNextStart = exactOffset((day + 1) * MS_PER_DAY);
    return atStart === atNextStart ? atStart : exactOffset(epochMs);
  };
  return (wall) => {
    const asUtc = wallTimeToUtcMs(wall);
    const before = offsetAt(asUtc - PROBE_MS);
    const after = offsetAt(asUtc + PROBE_MS);
    const withBefore = asUtc - before;
    if (before === after) {
      return withBefore;
    }
    const withAfter = asUtc - after;
    const beforeFits = offsetAt(withBefore) === before;
    const afterFits = offsetAt(withAfter) === after;
    if (beforeFits && afterFits) {
      return Math.min(withBefore, withAfter);
    }
    return afterFits ? withAfter : withBefore;
  };
}

function wallOf(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/** Wall times: random ones from 1890 to 2040, and every 30 minutes around each offset change. */
function wallTimes(timeZone: string): WallTime[] {
  const converter = createZoneConverter(timeZone);
  let state = 0x2545f491;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const from = Date.UTC(1890, 0, 1);
  const to = Date.UTC(2040, 0, 1);
  const walls: WallTime[] = [];
  for (let i = 0; i < 1000; i++) {
    walls.push(wallOf(from + Math.floor(next() * (to - from))));
  }
  for (let day = Date.UTC(1970, 0, 1); day < Date.UTC(2030, 0, 1);) {
    day += MS_PER_DAY;
    if (converter.offsetAt(day) !== converter.offsetAt(day - MS_PER_DAY)) {
      for (
        let ms = day - 2 * MS_PER_DAY;
        ms < day + MS_PER_DAY;
        ms += 1_800_000
      ) {
        walls.push(wallOf(ms));
      }
    }
  }
  return walls;
}

describe('time-zone caches', () => {
  it.each([
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Pacific/Apia',
    'Africa/Casablanca',
    'America/Sao_Paulo',
    'Asia/Kathmandu',
  ])('give the answers of the uncached algorithm in %s', (zone) => {
    const converter = createZoneConverter(zone);
    const reference = referenceConverter(zone);
    const walls = wallTimes(zone);
    expect(walls.length).toBeGreaterThan(1000);
    // Twice: with cold caches, then with warm ones.
    for (let round = 0; round < 2; round++) {
      for (const wall of walls) {
        expect(converter.toEpochMs(wall), JSON.stringify(wall)).toBe(
          reference(wall),
        );
      }
    }
  });
});
