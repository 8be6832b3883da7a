import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createFormatSet,
  loadFormats,
} from '../../../src/formats/load-formats.js';
import { isAppError } from '../../../src/errors.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('FormatSet.require', () => {
  it('returns a known format and gets undefined for an unknown one', async () => {
    const set = await loadFormats(resolve(REPO, 'formats'));
    expect(set.require('plain-csv').id).toBe('plain-csv');
    expect(set.get('sap-debitors')).toBeUndefined();
  });

  it('throws FORMAT_NOT_FOUND naming the known formats and the folder', async () => {
    const dir = resolve(REPO, 'formats');
    const set = await loadFormats(dir);
    let error: unknown;
    try {
      set.require('sap-debitors');
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('FORMAT_NOT_FOUND');
    expect(
      (error as Error).message.replace(dir, '<formats>'),
    ).toMatchInlineSnapshot(
      `"Unknown format 'sap-debitors'. Known formats: as400-fixed-width, customers-xlsx, nav-contacts, nav-debitors, nav-salespeople, plain-csv (in <formats>)"`,
    );
  });

  it('says "(none)" for an empty set', () => {
    const set = createFormatSet('/srv/formats', []);
    expect(() => set.require('x')).toThrow(
      "Unknown format 'x'. Known formats: (none) (in /srv/formats)",
    );
  });
});
