import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateFormats } from '../../../src/formats/load-formats.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadFormats match patterns', () => {
  it('reports a pattern that cannot be used, with its line', async () => {
    await writeFile(
      join(dir, 'bad-glob.yaml'),
      'type: delimited\nid: bad-glob\nmatch:\n  - ok*.txt\n  - kd[z-a].txt\ncolumns:\n  - source: No\n    field: customerNo\n    required: true\n',
    );
    const { formats, problems } = await validateFormats(dir);
    expect(formats).toEqual([]);
    expect(problems).toEqual([
      {
        file: 'bad-glob.yaml',
        line: 5,
        path: 'match[1]',
        message: '"kd[z-a].txt" is not a usable file name pattern',
      },
    ]);
  });
});
