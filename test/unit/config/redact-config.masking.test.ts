import { describe, expect, it } from 'vitest';
import { AppConfigSchema } from '../../../src/config/app-config.js';
import {
  collectSecrets,
  maskSecrets,
  redactConfig,
} from '../../../src/config/redact-config.js';

describe('redactConfig', () => {
  it('masks the database password and the SMTP password, and leaves the input alone', () => {
    const config = AppConfigSchema.parse({
      store: {
        type: 'postgres',
        url: 'postgres://app:pg-pass-1@db.example/customers',
      },
      notify: {
        email: {
          when: 'always',
          to: ['a@example.com'],
          smtp: { host: 'smtp.example.com', password: 'mail-pass-1' },
        },
      },
    });
    const redacted = redactConfig(config);
    expect(redacted.store).toMatchObject({
      url: 'postgres://app:***@db.example/customers',
    });
    expect(redacted.notify.email.smtp?.password).toBe('***');
    expect(JSON.stringify(redacted)).not.toMatch(/pg-pass-1|mail-pass-1/);
    expect(config.store).toMatchObject({
      url: 'postgres://app:pg-pass-1@db.example/customers',
    });
  });

  it('leaves a config without secrets as it is', () => {
    const config = AppConfigSchema.parse({});
    expect(redactConfig(config)).toEqual(config);
  });
});

describe('maskSecrets', () => {
  it('masks URL passwords and collected secrets, also URL-decoded ones', () => {
    const secrets = collectSecrets({
      store: { url: 'postgres://app:p%40ss-word@db/x' },
      smtp: { password: 'hunter22' },
    });
    expect(
      maskSecrets(
        'bad key "hunter22" near p@ss-word and postgres://u:pw@h/db',
        secrets,
      ),
    ).toBe('bad key "***" near *** and postgres://u:***@h/db');
  });
});
