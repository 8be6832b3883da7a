import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  formatJsonLine,
  formatTextLine,
} from '../../../src/logging/log-line.js';

const TS = '2025-03-04T10:00:00.000Z';
const ESC = '\u001b[';

describe('formatTextLine', () => {
  it('writes time, padded level, message, then meta as key=value', () => {
    const line = formatTextLine(
      {
        timestamp: TS,
        level: 'info',
        message: 'File imported',
        meta: {
          event: 'file.imported',
          file: 'customers.txt',
          rows: 12,
          dryRun: false,
        },
      },
      { colors: false },
    );
    expect(line).toBe(
      `${TS} info  File imported event=file.imported file=customers.txt rows=12 dryRun=false`,
    );
  });

  it('quotes values with spaces, quotes or equals signs, and writes objects as JSON', () => {
    const line = formatTextLine(
      {
        timestamp: TS,
        level: 'warn',
        message: 'm',
        meta: {
          file: 'my customers.txt',
          q: 'a"b',
          e: 'a=b',
          empty: '',
          counts: { read: 1 },
          none: null,
        },
      },
      { colors: false },
    );
    expect(line).toBe(
      `${TS} warn  m file="my customers.txt" q="a\\"b" e="a=b" empty="" counts={"read":1} none=null`,
    );
  });

  it('shows an AppError as its chain, without a stack', () => {
    const error = new AppError('HEADER_MISMATCH', 'Column KUNNR is missing', {
      cause: new Error('header row 1'),
    });
    const line = formatTextLine(
      {
        timestamp: TS,
        level: 'warn',
        message: 'File rejected',
        meta: { error },
      },
      { colors: false },
    );
    expect(line).toBe(
      `${TS} warn  File rejected error="HEADER_MISMATCH: Column KUNNR is missing ← Error: header row 1"`,
    );
  });

  it('puts the stack of an unexpected error on the following lines', () => {
    const line = formatTextLine(
      {
        timestamp: TS,
        level: 'error',
        message: 'Bug',
        meta: { error: new TypeError('x is undefined') },
      },
      { colors: false },
    );
    const [first, second] = line.split('\n');
    expect(first).toBe(`${TS} error Bug error="TypeError: x is undefined"`);
    expect(second).toBe('    TypeError: x is undefined');
  });

  it('leaves out omitted keys and undefined values', () => {
    const line = formatTextLine(
      {
        timestamp: TS,
        level: 'debug',
        message: 'm',
        meta: { instance: 'host1', a: undefined, b: 1 },
      },
      { colors: false, omitKeys: new Set(['instance']) },
    );
    expect(line).toBe(`${TS} debug m b=1`);
  });

  it('colours the level only when asked', () => {
    const entry = {
      timestamp: TS,
      level: 'error',
      message: 'm',
      meta: { b: 1 },
    };
    expect(formatTextLine(entry, { colors: true })).toContain(`${ESC}31merror`);
    expect(formatTextLine(entry, { colors: false })).not.toContain(ESC);
  });
});

describe('formatJsonLine', () => {
  it('puts timestamp, level and message first and serialises errors with their cause', () => {
    const error = new AppError('STORE_UNAVAILABLE', 'down', {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    const line = formatJsonLine({
      timestamp: TS,
      level: 'warn',
      message: 'Store retry',
      meta: { event: 'store.retry', attempt: 2, error },
    });

    expect(line).not.toContain('\n');
    expect(Object.keys(JSON.parse(line) as object)).toEqual([
      'timestamp',
      'level',
      'message',
      'event',
      'attempt',
      'error',
    ]);
    expect(JSON.parse(line)).toMatchObject({
      level: 'warn',
      event: 'store.retry',
      error: {
        code: 'STORE_UNAVAILABLE',
        message: 'down',
        cause: { code: 'ECONNREFUSED', message: 'refused' },
      },
    });
  });

  it('never lets meta override the line header, and never throws on bigint or cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['me'] = cyclic;
    const line = formatJsonLine({
      timestamp: TS,
      level: 'info',
      message: 'm',
      meta: { level: 'error', big: 10n, cyclic },
    });
    expect(JSON.parse(line)).toEqual({
      timestamp: TS,
      level: 'info',
      message: 'm',
      big: '10',
      cyclic: { me: '[Circular]' },
    });
  });
});
