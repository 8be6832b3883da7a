/**
 * `new Date(epochMs).toISOString()` without the Date, for the instants datetime columns
 * store. V8 formats a Date's ISO text in C++ through its date cache, about 1.7 us a call;
 * every datetime cell of a million-row file needs one. Here the date part is computed once per
 * UTC day (civil-from-days, proleptic Gregorian like Date) and the time of day once per time
 * of day (ERP timestamps are whole minutes or seconds, so few distinct ones), and an instant is
 * the two joined, about 0.2 us. Instants outside the years 0–9999 (which toISOString writes with six digits
 * and a sign) and anything that is not a whole millisecond go through Date, unchanged.
 *
 * @internal
 */

const MS_PER_DAY = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 10000-01-01T00:00:00.000Z. */
const MIN_MS = -62_167_219_200_000;
const END_MS = 253_402_300_800_000;
/** Bounds the day cache; a file spans a few thousand days. */
const MAX_CACHED_DAYS = 50_000;
/** Bounds the time-of-day cache: every minute of a day fits, every second does not. */
const MAX_CACHED_TIMES = 4096;

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, n) =>
  String(n).padStart(2, '0'),
);
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, n) =>
  String(n).padStart(3, '0'),
);

/** Day number since 1970-01-01 → `yyyy-MM-ddT`. */
const dayTexts = new Map<number, string>();
/** Milliseconds since midnight → `HH:mm:ss.sssZ`. */
const timeTexts = new Map<number, string>();

export function isoInstant(epochMs: number): string {
  if (!(epochMs >= MIN_MS && epochMs < END_MS) || !Number.isInteger(epochMs)) {
    return new Date(epochMs).toISOString();
  }
  const day = Math.floor(epochMs / MS_PER_DAY);
  const ofDay = epochMs - day * MS_PER_DAY;
  return (
    cached(dayTexts, day, MAX_CACHED_DAYS, dayText) +
    cached(timeTexts, ofDay, MAX_CACHED_TIMES, timeText)
  );
}

/** The text of `n` from a cache that is emptied when it holds `max` texts. */
function cached(
  texts: Map<number, string>,
  n: number,
  max: number,
  make: (n: number) => string,
): string {
  let text = texts.get(n);
  if (text === undefined) {
    text = make(n);
    if (texts.size >= max) {
      texts.clear();
    }
    texts.set(n, text);
  }
  return text;
}

/** Milliseconds since midnight as `HH:mm:ss.sssZ`. */
function timeText(ofDay: number): string {
  let rest = ofDay;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const ms = rest - second * 1000;
  return `${PAD2[hour]}:${PAD2[minute]}:${PAD2[second]}.${PAD3[ms]}Z`;
}

/** Howard Hinnant's civil_from_days: the calendar date of a day number, as `yyyy-MM-ddT`. */
function dayText(day: number): string {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra -
    (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${PAD2[month]}-${PAD2[dayOfMonth]}T`;
}
