import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isAppError } from '../../../src/errors.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(
  text: string,
  name = 'customer-import.config.yaml',
): Promise<void> {
  await writeFile(join(dir, name), text, 'utf8');
}

describe('loadConfig layering: defaults < file < env < flags', () => {
  it('runs on schema defaults when there is no config file', async () => {
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.configPath).toBeNull();
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.config.logging.level).toBe('info');
    expect(loaded.config.store).toEqual({
      type: 'sqlite',
      path: join(dir, 'data/customers.db'),
      busyTimeoutMs: 5000,
    });
    expect(loaded.config.instanceName).toBe(hostname());
    expect(loaded.config.jobs).toEqual([]);
  });

  it('returns a deep-frozen config', async () => {
    await writeConfig('jobs:\n  - name: erp\n    format: nav-debitors\n');
    const { config } = await loadConfig({ cwd: dir, env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.store)).toBe(true);
    expect(Object.isFrozen(config.jobs[0]?.marker)).toBe(true);
  });

  it('lets the file override defaults, env override the file, and flags override env', async () => {
    await writeConfig('logging:\n  level: warn\n');
    const fileOnly = await loadConfig({ cwd: dir, env: {} });
    expect(fileOnly.config.logging.level).toBe('warn');

    const withEnv = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_LOG_LEVEL: 'debug' },
    });
    expect(withEnv.config.logging.level).toBe('debug');

    const withFlags = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_LOG_LEVEL: 'debug' },
      flags: { logging: { level: 'error' } },
    });
    expect(withFlags.config.logging.level).toBe('error');
  });

  it('merges objects key by key, so one env value keeps the rest of the section', async () => {
    await writeConfig('logging:\n  level: warn\n  maxFiles: 3\n  json: true\n');
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_LOG_DIR: '/var/log/ci' },
    });
    expect(config.logging).toMatchObject({
      level: 'warn',
      maxFiles: 3,
      json: true,
      dir: '/var/log/ci',
      file: true,
    });
  });

  it('ignores flags that are undefined and env values that are empty', async () => {
    await writeConfig('formatsDir: ./my-formats\nlogging:\n  level: warn\n');
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_LOG_LEVEL: '', CUSTOMER_IMPORT_FORMATS_DIR: '  ' },
      flags: {
        formatsDir: undefined,
        logging: { level: undefined },
        store: {},
      },
    });
    expect(config.formatsDir).toBe(join(dir, 'my-formats'));
    expect(config.logging.level).toBe('warn');
    expect(config.store.type).toBe('sqlite');
  });

  it('replaces arrays instead of merging them', async () => {
    await writeConfig(
      'jobs:\n  - name: a\n    format: f\n  - name: b\n    format: f\n',
    );
    const { config } = await loadConfig({
      cwd: dir,
      env: {},
      flags: { jobs: [{ name: 'c', format: 'g' }] },
    });
    expect(config.jobs.map((j) => j.name)).toEqual(['c']);
  });

  it('never reads process.env: only the env that is passed in counts', async () => {
    const before = process.env.CUSTOMER_IMPORT_LOG_LEVEL;
    process.env.CUSTOMER_IMPORT_LOG_LEVEL = 'debug';
    try {
      const { config } = await loadConfig({ cwd: dir, env: {} });
      expect(config.logging.level).toBe('info');
    } finally {
      if (before === undefined) {
        delete process.env.CUSTOMER_IMPORT_LOG_LEVEL;
      } else {
        process.env.CUSTOMER_IMPORT_LOG_LEVEL = before;
      }
    }
  });

  it('takes the instance name from CUSTOMER_IMPORT_INSTANCE', async () => {
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_INSTANCE: 'import-02' },
    });
    expect(config.instanceName).toBe('import-02');
  });
});

describe('loadConfig store from the environment', () => {
  const url = 'postgres://app:s3cret@db.example:5432/customers';

  it('switches a file sqlite store to postgres for CUSTOMER_IMPORT_DATABASE_URL', async () => {
    await writeConfig(
      'store:\n  type: sqlite\n  path: ./x.db\n  busyTimeoutMs: 100\n',
    );
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_DATABASE_URL: url },
    });
    expect(config.store).toEqual({
      type: 'postgres',
      url,
      schema: 'public',
      poolSize: 4,
    });
  });

  it('keeps the file postgres settings and only replaces the url', async () => {
    await writeConfig(
      'store:\n  type: postgres\n  url: postgres://localhost/dev\n  schema: erp\n',
    );
    const { config } = await loadConfig({
      cwd: dir,
      env: { DATABASE_URL: url },
    });
    expect(config.store).toMatchObject({
      type: 'postgres',
      url,
      schema: 'erp',
    });
  });

  it('prefers CUSTOMER_IMPORT_DATABASE_URL over DATABASE_URL', async () => {
    const { config } = await loadConfig({
      cwd: dir,
      env: {
        DATABASE_URL: 'postgres://other/db',
        CUSTOMER_IMPORT_DATABASE_URL: url,
      },
    });
    expect(config.store).toMatchObject({ type: 'postgres', url });
  });

  it('ignores a DATABASE_URL that is not PostgreSQL (it belongs to another program)', async () => {
    const { config } = await loadConfig({
      cwd: dir,
      env: { DATABASE_URL: 'mysql://u:p@h/db' },
    });
    expect(config.store.type).toBe('sqlite');
  });

  it('selects sqlite with CUSTOMER_IMPORT_SQLITE_PATH, also over a generic DATABASE_URL', async () => {
    await writeConfig(
      'store:\n  type: postgres\n  url: postgres://localhost/dev\n',
    );
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_SQLITE_PATH: '/srv/data/c.db', DATABASE_URL: url },
    });
    expect(config.store).toEqual({
      type: 'sqlite',
      path: '/srv/data/c.db',
      busyTimeoutMs: 5000,
    });
  });

  it('refuses both CUSTOMER_IMPORT_DATABASE_URL and CUSTOMER_IMPORT_SQLITE_PATH', async () => {
    const error = await loadConfig({
      cwd: dir,
      env: {
        CUSTOMER_IMPORT_DATABASE_URL: url,
        CUSTOMER_IMPORT_SQLITE_PATH: './c.db',
      },
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain('not both');
  });
});

describe('loadConfig SMTP password from the environment', () => {
  it('sets notify.email.smtp.password when SMTP is configured', async () => {
    await writeConfig(
      'notify:\n  email:\n    when: onFailure\n    to: [admin@example.com]\n    smtp:\n      host: smtp.example.com\n      user: ci\n',
    );
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_SMTP_PASSWORD: 'm4il-pass' },
    });
    expect(config.notify.email.smtp).toMatchObject({
      host: 'smtp.example.com',
      user: 'ci',
      password: 'm4il-pass',
    });
  });

  it('ignores the password when no SMTP server is configured', async () => {
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_SMTP_PASSWORD: 'm4il-pass' },
    });
    expect(config.notify.email.smtp).toBeUndefined();
  });
});

describe('loadConfig finding the config file', () => {
  it('finds customer-import.config.yml and .json in the working directory', async () => {
    await writeConfig('batchSize: 10\n', 'customer-import.config.yml');
    expect((await loadConfig({ cwd: dir, env: {} })).config.batchSize).toBe(10);
    await rm(join(dir, 'customer-import.config.yml'));
    await writeConfig('{ "batchSize": 20 }', 'customer-import.config.json');
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.config.batchSize).toBe(20);
    expect(loaded.configPath).toBe(join(dir, 'customer-import.config.json'));
  });

  it('refuses to guess between two config files', async () => {
    await writeConfig('batchSize: 10\n', 'customer-import.config.yaml');
    await writeConfig('{}', 'customer-import.config.json');
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(
      /customer-import.config.yaml and customer-import.config.json .*keep only one/,
    );
  });

  it('reports an explicit config path that does not exist', async () => {
    const error = await loadConfig({
      cwd: dir,
      configPath: 'nope.yaml',
      env: {},
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toBe(
      `Invalid configuration: config file ${join(dir, 'nope.yaml')} does not exist`,
    );
  });

  it('uses an explicit config file from another folder as the base of its paths', async () => {
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'ci.yaml'), 'formatsDir: ./formats\n');
    const loaded = await loadConfig({
      cwd: dir,
      configPath: 'etc/ci.yaml',
      env: {},
    });
    expect(loaded.configPath).toBe(join(dir, 'etc', 'ci.yaml'));
    expect(loaded.baseDir).toBe(join(dir, 'etc'));
    expect(loaded.config.formatsDir).toBe(join(dir, 'etc', 'formats'));
  });

  it('treats an empty file as all defaults', async () => {
    await writeConfig('# nothing configured yet\n');
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.configPath).toBe(join(dir, 'customer-import.config.yaml'));
    expect(loaded.config.batchSize).toBe(250);
  });
});
