import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadFormats,
  validateFormats,
} from '../../../src/formats/load-formats.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function definition(id: string): string {
  return `type: delimited\nid: ${id}\ncolumns:\n  - source: No\n    field: customerNo\n    required: true\n`;
}

describe('loadFormats duplicate ids', () => {
  it('names both files, and loads neither twice', async () => {
    await writeFile(join(dir, 'erp.yaml'), definition('erp'));
    await writeFile(
      join(dir, 'erp-copy.json'),
      JSON.stringify({
        type: 'delimited',
        id: 'erp',
        columns: [{ source: 'No', field: 'customerNo', required: true }],
      }),
    );
    await writeFile(join(dir, 'other.yaml'), definition('other'));
    const { formats, problems } = await validateFormats(dir);
    expect(problems).toEqual([
      {
        file: 'erp.yaml',
        line: 2,
        path: 'id',
        message:
          'id "erp" is already used by erp-copy.json; every format needs its own id',
      },
    ]);
    expect(formats.map((f) => f.file.slice(dir.length + 1))).toEqual([
      'erp-copy.json',
      'other.yaml',
    ]);
    await expect(loadFormats(dir)).rejects.toThrow(
      /erp\.yaml line 2 \(id\): id "erp" is already used by erp-copy\.json/,
    );
  });

  it('treats ids that differ only in case as duplicates', async () => {
    await writeFile(join(dir, 'a.yaml'), definition('NAV'));
    await writeFile(join(dir, 'b.yaml'), definition('nav'));
    const { problems } = await validateFormats(dir);
    expect(problems.map((p) => p.message)).toEqual([
      'id "nav" is already used by a.yaml; every format needs its own id',
    ]);
  });
});
