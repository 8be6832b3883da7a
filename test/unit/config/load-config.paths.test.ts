import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
let confDir: string;
beforeEach(async () => {
  dir = await makeTempDir();
  confDir = join(dir, 'conf');
  await mkdir(confDir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CONFIG = `
formatsDir: ./formats
store:
  type: sqlite
  path: data/c.db
logging:
  dir: ../logs
jobs:
  - name: erp
    folder: ./exchange
    format: nav-debitors
  - name: shop
    folder: /srv/shop-exchange
    format: plain-csv
    archiveDir: ./shop-archive
    failedDir: /srv/failed
`;

describe('loadConfig path resolution', () => {
  it('resolves every relative path in the file against the file’s folder', async () => {
    await writeFile(join(confDir, 'app.yaml'), CONFIG);
    const { config, baseDir } = await loadConfig({
      cwd: dir,
      configPath: 'conf/app.yaml',
      env: {},
    });
    expect(baseDir).toBe(confDir);
    expect(config.formatsDir).toBe(join(confDir, 'formats'));
    expect(config.store).toMatchObject({
      type: 'sqlite',
      path: join(confDir, 'data/c.db'),
    });
    expect(config.logging.dir).toBe(join(dir, 'logs'));
    const [erp, shop] = config.jobs;
    expect(erp).toMatchObject({
      folder: join(confDir, 'exchange'),
      processingDir: join(confDir, 'exchange', 'processing'),
      archiveDir: join(confDir, 'exchange', 'archive'),
      failedDir: join(confDir, 'exchange', 'failed'),
    });
    expect(shop).toMatchObject({
      folder: '/srv/shop-exchange',
      processingDir: '/srv/shop-exchange/processing',
      // Relative to the config file, like every other path in it, not to the job's folder.
      archiveDir: join(confDir, 'shop-archive'),
      failedDir: '/srv/failed',
    });
  });

  it('resolves defaults against the working directory when there is no file', async () => {
    const { config } = await loadConfig({
      cwd: dir,
      env: {},
      flags: { jobs: [{ name: 'erp', format: 'f' }] },
    });
    expect(config.formatsDir).toBe(join(dir, 'formats'));
    expect(config.logging.dir).toBe(join(dir, 'logs'));
    expect(config.store).toMatchObject({
      path: join(dir, 'data/customers.db'),
    });
    expect(config.jobs[0]?.folder).toBe(join(dir, 'exchange'));
  });

  it('resolves env and flag paths against the working directory, not the config folder', async () => {
    await writeFile(join(confDir, 'app.yaml'), CONFIG);
    const { config } = await loadConfig({
      cwd: dir,
      configPath: 'conf/app.yaml',
      env: {
        CUSTOMER_IMPORT_SQLITE_PATH: 'env.db',
        CUSTOMER_IMPORT_LOG_DIR: 'env-logs',
      },
      flags: { formatsDir: 'flag-formats' },
    });
    expect(config.store).toMatchObject({ path: join(dir, 'env.db') });
    expect(config.logging.dir).toBe(join(dir, 'env-logs'));
    expect(config.formatsDir).toBe(join(dir, 'flag-formats'));
  });

  it('leaves an in-memory SQLite database alone', async () => {
    const { config } = await loadConfig({
      cwd: dir,
      env: { CUSTOMER_IMPORT_SQLITE_PATH: ':memory:' },
    });
    expect(config.store).toMatchObject({ type: 'sqlite', path: ':memory:' });
  });
});
