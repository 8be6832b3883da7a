import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadConfig,
  type LoadConfigOptions,
} from '../../../src/config/load-config.js';
import { AppError, isAppError } from '../../../src/errors.js';
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

async function configError(
  options: Partial<LoadConfigOptions> = {},
): Promise<AppError> {
  const error = await loadConfig({ cwd: dir, env: {}, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) {
    throw new Error(`expected an AppError, got ${String(error)}`);
  }
  expect(error.code).toBe('CONFIG_INVALID');
  return error;
}

describe('loadConfig errors', () => {
  it('names the file, the line and the path of every problem', async () => {
    await writeConfig(
      [
        '# test config',
        'formatsDir: ./formats',
        'jobs:',
        '  - name: erp',
        '    folder: ./exchange',
        '    format: nav-debitors',
        "    stabilitySeconds: '10'",
        '    polling: false',
        'logging:',
        '  level: verbose',
        '',
      ].join('\n'),
    );
    const error = await configError({
      env: { CUSTOMER_IMPORT_LOG_LEVEL: 'loud' },
    });
    expect(error.message).toMatchInlineSnapshot(`
      "Invalid configuration (2 problems):
        CUSTOMER_IMPORT_LOG_LEVEL (logging.level): expected one of "error"|"warn"|"info"|"debug"
        customer-import.config.yaml line 7 (jobs[0].stabilitySeconds): expected number, received string"
    `);
    expect(error.details?.issues).toEqual([
      {
        source: 'env',
        origin: 'CUSTOMER_IMPORT_LOG_LEVEL',
        line: null,
        path: 'logging.level',
        message: 'expected one of "error"|"warn"|"info"|"debug"',
      },
      {
        source: 'file',
        origin: 'customer-import.config.yaml',
        line: 7,
        path: 'jobs[0].stabilitySeconds',
        message: 'expected number, received string',
      },
    ]);
  });

  it('points at the file when the env does not set the bad value', async () => {
    await writeConfig('logging:\n  level: verbose\n');
    const error = await configError();
    expect(error.message).toMatchInlineSnapshot(
      `"Invalid configuration: customer-import.config.yaml line 2 (logging.level): expected one of "error"|"warn"|"info"|"debug""`,
    );
  });

  it('rejects an unknown key, at the line of the key', async () => {
    await writeConfig(
      'jobs:\n  - name: erp\n    format: f\n    stabilitySecs: 5\n',
    );
    const error = await configError();
    expect(error.message).toMatchInlineSnapshot(
      `"Invalid configuration: customer-import.config.yaml line 4 (jobs[0].stabilitySecs): unknown key "stabilitySecs""`,
    );
  });

  it('reports a missing required key at its object', async () => {
    await writeConfig('batchSize: 10\njobs:\n  - name: erp\n    folder: ./x\n');
    const error = await configError();
    expect(error.message).toBe(
      'Invalid configuration: customer-import.config.yaml line 3 (jobs[0].format): expected string, received undefined',
    );
  });

  it('gives lines for JSON files too', async () => {
    await writeConfig(
      '{\n  "batchSize": 10,\n  "retry": {\n    "maxRetries": -1\n  }\n}\n',
      'customer-import.config.json',
    );
    const error = await configError();
    expect(error.message).toMatch(
      /^Invalid configuration: customer-import\.config\.json line 4 \(retry\.maxRetries\): /,
    );
  });

  it('names flags as the source of a bad flag value', async () => {
    const error = await configError({ flags: { batchSize: 0 } });
    expect(error.message).toBe(
      'Invalid configuration: command-line option (batchSize): Too small: expected number to be >=1',
    );
  });

  it('reports YAML syntax errors with their line', async () => {
    await writeConfig(
      'formatsDir: ./formats\nstore:\n  type: sqlite\n  path: [a,\nlogging: x\n',
    );
    const error = await configError();
    expect(error.message).toMatch(
      /^Invalid configuration: customer-import\.config\.yaml line \d+: invalid YAML: /,
    );
    expect(error.details?.issues).toHaveLength(1);
  });

  it('reports JSON syntax errors with their line', async () => {
    await writeConfig(
      '{\n  "batchSize": 10,\n  "formatsDir": "x",\n}\n',
      'customer-import.config.json',
    );
    const error = await configError();
    expect(error.message).toMatchInlineSnapshot(
      `"Invalid configuration: customer-import.config.json line 4: invalid JSON: Expected double-quoted property name"`,
    );
  });

  it('rejects a file whose top level is not an object', async () => {
    await writeConfig('- a\n- b\n');
    const error = await configError();
    expect(error.message).toBe(
      'Invalid configuration: customer-import.config.yaml line 1: expected an object of settings, received array',
    );
  });

  it('rejects a __proto__ key instead of letting it change the prototype', async () => {
    await writeConfig(
      '{ "__proto__": { "batchSize": 5 } }',
      'customer-import.config.json',
    );
    const error = await configError();
    expect(error.message).toContain('unknown key "__proto__"');
  });
});

describe('loadConfig keeps secrets out of error messages', () => {
  const password = 'Sup3r-S3cret-pw';

  it('does not quote a JSON file with a database password when its syntax is wrong', async () => {
    await writeConfig(
      `{"store": {"type": "postgres", "url": "postgres://app:${password}@db/customers" "schema": "x"}}`,
      'customer-import.config.json',
    );
    const error = await configError();
    expect(error.message).toMatch(/invalid JSON/);
    expect(
      JSON.stringify({ message: error.message, details: error.details }),
    ).not.toContain(password);
  });

  it('does not repeat a non-postgres CUSTOMER_IMPORT_DATABASE_URL', async () => {
    const error = await configError({
      env: {
        CUSTOMER_IMPORT_DATABASE_URL: `mysql://app:${password}@db/customers`,
      },
    });
    expect(error.message).toContain(
      'CUSTOMER_IMPORT_DATABASE_URL must be a postgres://',
    );
    expect(
      JSON.stringify({ message: error.message, details: error.details }),
    ).not.toContain(password);
  });

  it('masks a password that a validation message would otherwise show', async () => {
    // A password that is also used as a key name: the unknown-key message quotes the key.
    await writeConfig(
      `store:\n  type: postgres\n  url: postgres://app:${password}@db/customers\n${password}: 1\n`,
    );
    const error = await configError();
    expect(error.message).toBe(
      'Invalid configuration: customer-import.config.yaml line 4 (***): unknown key "***"',
    );
  });
});
