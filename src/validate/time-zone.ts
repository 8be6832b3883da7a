/**
 * Wall-clock time in an IANA time zone → UTC instant, with nothing but `Intl`.
 *
 * An ERP writes `21.11.2026 14:05` and means "14:05 in Berlin". To store an instant we need the
 * zone's UTC offset *at that wall time*, which changes twice a year. `Intl.DateTimeFormat` only
 * answers the opposite question (instant → wall time), so we ask it for the offset at candidate
 * instants and keep the candidate that maps back to the wall time we started from.
 */

const MS_PER_DAY = 86_400_000;
/** DST rules never move the clock twice within 12 hours, so these two probes see both offsets. */
const PROBE_MS = 12 * 3_600_000;
/** Bounds the per-zone day cache: a file spans few days, a long-running service many. */
const MAX_CACHED_DAYS = 50_000;

/** A calendar date and time of day as written, with no zone attached. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export interface ZoneConverter {
  readonly timeZone: string;
  /** UTC offset (ms, east positive) in effect at the instant. */
  offsetAt(epochMs: number): number;
  /**
   * The instant of a wall time in this zone. In the autumn overlap (a wall time that happens
   * twice) the earlier instant wins; in the spring gap (a wall time that never happens) the
   * time is moved forward by the gap, as `Temporal`'s default `compatible` disambiguation does.
   */
  toEpochMs(wall: WallTime): number;
}

/** True for an IANA zone name that this runtime's Intl knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The machine's time zone, the documented default when neither format nor config names one. */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Milliseconds since the epoch of a wall time read as UTC (also right for years 1–99). */
export function wallTimeToUtcMs(wall: WallTime): number {
  const ms = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  if (wall.year >= 100) {
    return ms;
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(ms);
  date.setUTCFullYear(wall.year);
  return date.getTime();
}

/**
 * Builds a converter for one zone. Throws a RangeError for an unknown zone, so callers check
 * names up front with {@link isValidTimeZone}.
 */
export function createZoneConverter(timeZone: string): ZoneConverter {
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
  // formatToParts costs microseconds; a million rows must not call it three times each. Offsets
  // are cached per UTC day; a day that contains a transition is marked NaN and computed exactly.
  // The exact offset at each midnight (UTC) is kept too: a day and the next share one.
  const dayOffsets = new Map<number, number>();
  const midnightOffsets = new Map<number, number>();

  const exactOffset = (epochMs: number): number => {
    const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
    const parts = readParts(formatter, wholeSeconds);
    return wallTimeToUtcMs(parts) - wholeSeconds;
  };

  const midnightOffset = (day: number): number => {
    let offset = midnightOffsets.get(day);
    if (offset === undefined) {
      offset = exactOffset(day * MS_PER_DAY);
      if (midnightOffsets.size >= MAX_CACHED_DAYS) {
        midnightOffsets.clear();
      }
      midnightOffsets.set(day, offset);
    }
    return offset;
  };

  /** The offset of a whole UTC day, or NaN when it changes during that day. */
  const dayOffset = (day: number): number => {
    let cached = dayOffsets.get(day);
    if (cached === undefined) {
      const atStart = midnightOffset(day);
      const atNextStart = midnightOffset(day + 1);
      cached = atStart === atNextStart ? atStart : Number.NaN;
      if (dayOffsets.size >= MAX_CACHED_DAYS) {
        dayOffsets.clear();
      }
      dayOffsets.set(day, cached);
    }
    return cached;
  };

  const offsetAt = (epochMs: number): number => {
    const cached = dayOffset(Math.floor(epochMs / MS_PER_DAY));
    return Number.isNaN(cached) ? exactOffset(epochMs) : cached;
  };

  // Wall day (the wall time read as UTC, in days) → the offset every wall time of that day
  // gets, or NaN when the day is near a transition and needs the probes below. A wall time t
  // probes the instants t ± 12 h, which lie in the UTC days before, of and after its wall day:
  // when those three days have one offset, both probes return it, so this is the same answer
  // with one lookup instead of two.
  const wallDayOffsets = new Map<number, number>();

  const wallDayOffset = (wallDay: number): number => {
    let cached = wallDayOffsets.get(wallDay);
    if (cached === undefined) {
      const offset = dayOffset(wallDay);
      cached =
        dayOffset(wallDay - 1) === offset && dayOffset(wallDay + 1) === offset
          ? offset
          : Number.NaN;
      if (wallDayOffsets.size >= MAX_CACHED_DAYS) {
        wallDayOffsets.clear();
      }
      wallDayOffsets.set(wallDay, cached);
    }
    return cached;
  };

  const toEpochMs = (wall: WallTime): number => {
    const asUtc = wallTimeToUtcMs(wall);
    const uniform = wallDayOffset(Math.floor(asUtc / MS_PER_DAY));
    if (!Number.isNaN(uniform)) {
      return asUtc - uniform;
    }
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
      // The autumn overlap: the wall time happens twice; take the first.
      return Math.min(withBefore, withAfter);
    }
    if (afterFits) {
      return withAfter;
    }
    // Either only the old offset fits, or we are in the spring gap, where reading the wall
    // time with the offset from before the jump lands the same distance past the transition
    // (02:30 in a 02:00→03:00 gap becomes 03:30).
    return withBefore;
  };

  return { timeZone, offsetAt, toEpochMs };
}

function readParts(formatter: Intl.DateTimeFormat, epochMs: number): WallTime {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of formatter.formatToParts(epochMs)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value.startsWith('B');
        break;
      default:
        break;
    }
  }
  return {
    year: bc ? 1 - year : year,
    month,
    day,
    hour,
    minute,
    second,
    millisecond: 0,
  };
}
