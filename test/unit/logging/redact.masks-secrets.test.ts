import { describe, expect, it } from 'vitest';
import {
  redact,
  redactRecord,
  redactUrl,
  REDACTED,
} from '../../../src/logging/redact.js';

describe('redactUrl', () => {
  it('masks the password of a database URL and keeps user, host and database', () => {
    expect(
      redactUrl('postgres://importer:hunter2@db.example:5432/customers'),
    ).toBe('postgres://importer:***@db.example:5432/customers');
  });

  it('masks passwords containing @ and : completely', () => {
    expect(redactUrl('postgresql://app:p@ss:w0rd@db/x')).toBe(
      'postgresql://app:***@db/x',
    );
  });

  it('masks every URL inside a longer text, and a password without user', () => {
    expect(
      redactUrl('tried postgres://a:b@h1/db then redis://:tok@h2 and gave up'),
    ).toBe('tried postgres://a:***@h1/db then redis://:***@h2 and gave up');
  });

  it('leaves URLs without credentials and e-mail addresses alone', () => {
    const text =
      'see https://example.com/a:b and postgres://app@db/x, mail admin@example.com';
    expect(redactUrl(text)).toBe(text);
  });
});

describe('redact', () => {
  it('masks values under secret keys whatever their case or separators', () => {
    expect(
      redact({
        password: 'x',
        Secret: 'y',
        api_key: 'z',
        accessToken: 't',
        smtpUser: 'mailer',
        rows: 3,
      }),
    ).toEqual({
      password: REDACTED,
      Secret: REDACTED,
      api_key: REDACTED,
      accessToken: REDACTED,
      smtpUser: 'mailer',
      rows: 3,
    });
  });

  it('masks credentials in URLs under any key, in nested objects and arrays', () => {
    const input = {
      url: 'postgres://u:pw@h/db',
      store: {
        connection: 'postgres://u:pw@h/db',
        tries: [{ target: 'postgres://v:pw2@h2/db' }],
      },
    };
    expect(redact(input)).toEqual({
      url: 'postgres://u:***@h/db',
      store: {
        connection: 'postgres://u:***@h/db',
        tries: [{ target: 'postgres://v:***@h2/db' }],
      },
    });
  });

  it('does not modify its input', () => {
    const input = { password: 'x', nested: { url: 'postgres://u:pw@h/db' } };
    redact(input);
    expect(input).toEqual({
      password: 'x',
      nested: { url: 'postgres://u:pw@h/db' },
    });
  });

  it('survives circular structures', () => {
    const input: Record<string, unknown> = { name: 'a' };
    input['self'] = input;
    expect(redact(input)).toEqual({ name: 'a', self: '[Circular]' });
  });

  it('keeps empty secrets visible as empty, so a missing password is recognisable', () => {
    expect(redact({ password: '', token: null })).toEqual({
      password: '',
      token: null,
    });
  });

  it('leaves class instances such as errors and dates to their own formatting', () => {
    const error = new Error('postgres://u:pw@h/db');
    const date = new Date(0);
    const out = redact({ error, date }) as Record<string, unknown>;
    expect(out['error']).toBe(error);
    expect(out['date']).toBe(date);
  });

  it('redactRecord masks a flat record', () => {
    expect(redactRecord({ dir: '/var/log', password: 'x' })).toEqual({
      dir: '/var/log',
      password: REDACTED,
    });
  });
});
