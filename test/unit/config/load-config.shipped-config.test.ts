import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { loadFormats } from '../../../src/formats/load-formats.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the shipped customer-import.config.yaml', () => {
  it('loads, and its job names a shipped format that matches the watched file name', async () => {
    const { config, configPath } = await loadConfig({ cwd: REPO, env: {} });
    expect(configPath).toBe(join(REPO, 'customer-import.config.yaml'));
    expect(config.store).toMatchObject({
      type: 'sqlite',
      path: join(REPO, 'data/customers.db'),
    });
    expect(config.jobs).toHaveLength(1);
    const job = config.jobs[0];
    expect(job).toMatchObject({
      name: 'erp',
      folder: join(REPO, 'exchange'),
      pattern: 'customers.txt',
      format: 'nav-debitors',
      stabilitySeconds: 10,
      polling: false,
    });
    expect(config.notify.email.when).toBe('never');

    const formats = await loadFormats(config.formatsDir);
    const format = formats.require(job?.format ?? '');
    expect(format.definition.match).toContain('customers.txt');
  });
});
