import { describe, expect, it } from 'vitest';
import {
  compileDatePattern,
  type ParsedDateTime,
  type PatternKind,
} from '../../../src/validate/date-patterns.js';

/**
 * Date patterns are read by a scanner (no regular expression, no match array per cell) where
 * that gives the same answer, and ISO text by hand-written checks. This compares both, on many
 * generated texts, with the regular expressions they replaced (kept here as the reference).
 */

const TOKEN_REGEX: Record<string, [string, string]> = {
  yyyy: ['year', '(\\d{4})'],
  yy: ['year2', '(\\d{2})'],
  MM: ['month', '(\\d{2})'],
  M: ['month', '(\\d{1,2})'],
  dd: ['day', '(\\d{2})'],
  d: ['day', '(\\d{1,2})'],
  HH: ['hour', '(\\d{2})'],
  H: ['hour', '(\\d{1,2})'],
  mm: ['minute', '(\\d{2})'],
  ss: ['second', '(\\d{2})'],
  SSS: ['millisecond', '(\\d{3})'],
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]00:00(?::00(?:[.,]0+)?)?)?$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function checked(
  values: number[],
  offsetMs: number | null,
): ParsedDateTime | undefined {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] =
    values;
  const days = [
    31,
    year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (days[month - 1] ?? 0) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    millisecond: values[6] ?? 0,
    offsetMs,
  };
}

function referenceParser(
  pattern: string,
  kind: PatternKind,
): (text: string) => ParsedDateTime | undefined {
  if (pattern === 'iso' && kind === 'date') {
    return (text) => {
      const m = ISO_DATE.exec(text);
      return m === null
        ? undefined
        : checked([Number(m[1]), Number(m[2]), Number(m[3])], null);
    };
  }
  if (pattern === 'iso') {
    return (text) => {
      const m = ISO_DATE_TIME.exec(text);
      if (m === null) {
        return undefined;
      }
      let offsetMs: number | null = null;
      const offset = m[8];
      if (offset === 'Z' || offset === 'z') {
        offsetMs = 0;
      } else if (offset !== undefined) {
        const digits = offset.slice(1).replace(':', '');
        const hours = Number(digits.slice(0, 2));
        const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
        if (hours > 18 || minutes > 59) {
          return undefined;
        }
        offsetMs =
          (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
      }
      const ms =
        m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
      return checked(
        [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)).concat(ms),
        offsetMs,
      );
    };
  }
  // Tokens are runs of one letter; quoted text and other characters are literal.
  const slots: string[] = [];
  let source = '^';
  for (const part of pattern.match(/'[^']*'|([A-Za-z])\1*|./g) ?? []) {
    if (part.startsWith("'")) {
      source += part === "''" ? "'" : escape(part.slice(1, -1));
    } else if (TOKEN_REGEX[part] !== undefined) {
      const [slot, regex] = TOKEN_REGEX[part];
      slots.push(slot);
      source += regex;
    } else {
      source += escape(part);
    }
  }
  const regex = new RegExp(`${source}$`);
  const at = (m: RegExpExecArray, slot: string): number => {
    const i = slots.indexOf(slot);
    return i < 0 ? 0 : Number(m[i + 1]);
  };
  return (text) => {
    const m = regex.exec(text);
    if (m === null) {
      return undefined;
    }
    const yy = at(m, 'year2');
    const year = slots.includes('year')
      ? at(m, 'year')
      : yy >= 69
        ? 1900 + yy
        : 2000 + yy;
    return checked(
      [
        year,
        at(m, 'month'),
        at(m, 'day'),
        at(m, 'hour'),
        at(m, 'minute'),
        at(m, 'second'),
        at(m, 'millisecond'),
      ],
      null,
    );
  };
}

/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
function random(seed: number): () => number {
  // mulberry32: 32-bit integer steps, so no precision is lost and the sequence does not cycle early.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Texts near a pattern: each token gets 0–4 digits, each literal is kept, dropped or replaced,
 * and now and then something is added at the end; plus ISO shapes with every optional part.
 */
function texts(pattern: string, count: number, seed: number): string[] {
  const next = random(seed);
  const pick = (chars: string): string =>
    chars.charAt(Math.floor(next() * chars.length));
  const digits = (n: number): string => {
    let text = '';
    for (let k = 0; k < n; k++) {
      text += pick('0123456789011229');
    }
    return text;
  };
  /** A value that is mostly in range for the token, written with its width (or off by one). */
  const value = (token: string): string => {
    const max: Record<string, number> = {
      y: 2100,
      M: 13,
      d: 32,
      H: 24,
      m: 60,
      s: 60,
      S: 1000,
    };
    const n = Math.floor(
      next() * (token === 'yy' ? 100 : (max[token.charAt(0)] ?? 100)),
    );
    const width =
      token.length === 1
        ? next() < 0.5
          ? 1
          : 2
        : token === 'yy'
          ? 2
          : token.length;
    const text = String(n).padStart(width, '0');
    return next() < 0.9
      ? text.slice(-Math.max(width, String(n).length))
      : digits(Math.floor(next() * 5));
  };
  const parts =
    pattern === 'iso'
      ? null
      : (pattern.match(/'[^']*'|([A-Za-z])\1*|./g) ?? []);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    if (parts === null) {
      text = `${value('yyyy')}-${value('MM')}-${next() < 0.95 ? value('dd') : digits(3)}`;
      if (next() < 0.8) {
        text += pick('TTt  x');
        text += next() < 0.3 ? '00:00' : `${value('HH')}:${value('mm')}`;
        if (next() < 0.6) {
          text += next() < 0.3 ? ':00' : `:${value('ss')}`;
          if (next() < 0.5) {
            text += pick('.,;');
            text += next() < 0.3 ? '000' : digits(Math.floor(next() * 11));
          }
        }
        if (next() < 0.5) {
          text += next() < 0.2 ? pick(' \t') : '';
          text +=
            next() < 0.3
              ? pick('ZzX')
              : `${pick('+-')}${digits(2)}${pick('::  ')}${digits(Math.floor(next() * 3))}`.trimEnd();
        }
      }
    } else {
      for (const part of parts) {
        const roll = next();
        if (/^[A-Za-z]/.test(part) && part !== 'T') {
          text += value(part);
        } else {
          const literal = part.startsWith("'")
            ? part === "''"
              ? "'"
              : part.slice(1, -1)
            : part;
          text += roll < 0.9 ? literal : roll < 0.95 ? '' : pick('0./ :');
        }
      }
    }
    if (next() < 0.05) {
      text += pick('0 Z');
    }
    out.push(text);
  }
  return out;
}

const CASES: [string, PatternKind][] = [
  ['dd.MM.yyyy', 'date'],
  ['d.M.yyyy', 'date'],
  ['MM/dd/yyyy', 'date'],
  ['yyyyMMdd', 'date'],
  ['Mdyyyy', 'date'],
  ['d.M.yy', 'date'],
  ['iso', 'date'],
  ['dd.MM.yyyy HH:mm', 'datetime'],
  ["dd.MM.yyyy 'um' H:mm:ss", 'datetime'],
  ["yyyy-MM-dd'T'HH:mm:ss.SSS", 'datetime'],
  ['d/M/yyyy H:mm', 'datetime'],
  ['yyyyMMddHHmm', 'datetime'],
  ["d''M''yyyy", 'date'],
  ['iso', 'datetime'],
];

describe('date pattern scanner', () => {
  for (const [pattern, kind] of CASES) {
    it(`reads ${kind} pattern ${pattern} like the regular expression it replaced`, () => {
      const compiled = compileDatePattern(pattern, kind);
      const reference = referenceParser(pattern, kind);
      let matched = 0;
      for (const text of texts(
        pattern,
        20_000,
        pattern.length * 7919 + kind.length,
      )) {
        const expected = reference(text);
        expect(compiled.parse(text), JSON.stringify(text)).toEqual(expected);
        const shared = compiled.parseShared(text);
        expect(shared === undefined ? undefined : { ...shared }).toEqual(
          expected,
        );
        matched += expected === undefined ? 0 : 1;
      }
      // The generated texts hold real dates as well as near misses.
      expect(matched).toBeGreaterThan(1_000);
      expect(matched).toBeLessThan(19_000);
    });
  }

  it('gives parse() results that later calls do not change; parseShared() reuses one object', () => {
    const pattern = compileDatePattern('dd.MM.yyyy', 'date');
    const first = pattern.parse('01.02.2024');
    pattern.parse('03.04.2025');
    expect(first).toMatchObject({ year: 2024, month: 2, day: 1 });
    const shared = pattern.parseShared('01.02.2024');
    expect(pattern.parseShared('03.04.2025')).toBe(shared);
  });
});
