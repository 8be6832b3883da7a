import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import {
  describeErrorChain,
  serializeError,
  serializeErrorsIn,
} from '../../../src/logging/serialize-error.js';

function systemError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('serializeError', () => {
  it('keeps code, retryable, details and the whole cause chain of an AppError', () => {
    const socket = systemError(
      'connect ECONNREFUSED 10.0.0.5:5432',
      'ECONNREFUSED',
    );
    const driver = new Error('Connection terminated unexpectedly', {
      cause: socket,
    });
    const error = new AppError(
      'STORE_UNAVAILABLE',
      'The database is not reachable',
      {
        cause: driver,
        details: { attempt: 3 },
      },
    );

    const out = serializeError(error);

    expect(out).toMatchObject({
      name: 'AppError',
      code: 'STORE_UNAVAILABLE',
      message: 'The database is not reachable',
      retryable: true,
      details: { attempt: 3 },
      cause: {
        name: 'Error',
        message: 'Connection terminated unexpectedly',
        cause: {
          message: 'connect ECONNREFUSED 10.0.0.5:5432',
          code: 'ECONNREFUSED',
        },
      },
    });
    expect(out.stack).toContain('AppError: The database is not reachable');
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('leaves stacks out when asked', () => {
    const out = serializeError(new Error('a', { cause: new Error('b') }), {
      stack: false,
    });
    expect(out).toEqual({
      name: 'Error',
      message: 'a',
      cause: { name: 'Error', message: 'b' },
    });
  });

  it('writes a non-error cause as text', () => {
    expect(
      serializeError(new Error('a', { cause: { reason: 'x' } }), {
        stack: false,
      }).cause,
    ).toBe('{"reason":"x"}');
  });

  it('stops at a circular cause', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(serializeError(a, { stack: false })).toEqual({
      name: 'Error',
      message: 'a',
      cause: { name: 'Error', message: 'b', cause: '[Circular cause]' },
    });
  });

  it('keeps the errors of an AggregateError (every address a connect tried)', () => {
    const error = new AggregateError(
      [systemError('connect ECONNREFUSED ::1:25', 'ECONNREFUSED'), 'plain'],
      'connect failed',
    );
    expect(serializeError(error, { stack: false }).errors).toEqual([
      {
        name: 'Error',
        message: 'connect ECONNREFUSED ::1:25',
        code: 'ECONNREFUSED',
      },
      'plain',
    ]);
  });

  it('masks credentials in messages, stacks and details', () => {
    const error = new AppError(
      'STORE_UNAVAILABLE',
      'Cannot reach postgres://app:pw@db/x',
      {
        details: { url: 'postgres://app:pw@db/x' },
      },
    );
    const text = JSON.stringify(serializeError(error));
    expect(text).not.toContain(':pw@');
    expect(text).toContain('postgres://app:***@db/x');
  });
});

describe('serializeErrorsIn', () => {
  it('replaces errors inside meta objects and arrays', () => {
    const out = serializeErrorsIn({
      a: new Error('x'),
      list: [new Error('y')],
      n: 1,
    }) as Record<string, unknown>;
    expect(out['a']).toMatchObject({ name: 'Error', message: 'x' });
    expect(out['list']).toMatchObject([{ message: 'y' }]);
    expect(out['n']).toBe(1);
  });
});

describe('describeErrorChain', () => {
  it('gives one line from the top error to the root cause', () => {
    const error = new AppError('FILE_UNREADABLE', 'Cannot read customers.txt', {
      cause: systemError('EACCES: permission denied', 'EACCES'),
    });
    expect(describeErrorChain(serializeError(error))).toBe(
      'FILE_UNREADABLE: Cannot read customers.txt ← EACCES: EACCES: permission denied',
    );
  });
});
