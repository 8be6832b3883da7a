import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  loadFormats,
  validateFormats,
} from '../../../src/formats/load-formats.js';
import { isAppError, type AppError } from '../../../src/errors.js';

const FIXTURES = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/formats',
);
const BROKEN = resolve(FIXTURES, 'broken');

async function loadError(dir: string): Promise<AppError> {
  const error = await loadFormats(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) {
    throw new Error(`expected an AppError, got ${String(error)}`);
  }
  return error;
}

describe('loadFormats on a broken set', () => {
  it('throws one FORMAT_DEFINITION_INVALID that lists every problem of every file with file, line and path', async () => {
    const error = await loadError(BROKEN);
    expect(error.code).toBe('FORMAT_DEFINITION_INVALID');
    expect(error.message.replace(BROKEN, '<dir>')).toMatchInlineSnapshot(`
      "Invalid format definitions in <dir> (12 problems):
        a-wrong-values.yaml line 4 (delimiter): Too big: expected string to have <=4 characters
        a-wrong-values.yaml line 5 (encoding): expected one of "utf-8"|"utf-16le"|"utf-16be"|"windows-1252"|"iso-8859-1"|"iso-8859-15"
        a-wrong-values.yaml line 12 (columns[1].type): expected one of "string"|"integer"|"decimal"|"boolean"|"date"|"datetime"|"email"|"country"
        a-wrong-values.yaml line 15 (columns[2].transforms[1]): expected one of "trim"|"upper"|"lower"|"collapseSpaces"|"stripLeadingZeros"
        b-syntax.yaml line 5: invalid YAML: Nested mappings are not allowed in compact mappings
        b-syntax.yaml line 5: invalid YAML: Implicit keys need to be on a single line
        c-fields.json line 4 (key): key field "customerNo" is not mapped by any column
        c-fields.json line 5 (delimeter): unknown key "delimeter"
        c-fields.json line 7 (columns[0].field): "nmae" is not a customer field (did you mean "name"?); custom fields are written attributes.<name>
        c-fields.json line 8 (columns[1].type): field "email" holds text values, but type "date" gives date
        d-duplicate.yaml line 2 (id): id "wrong-values" is already used by a-wrong-values.yaml; every format needs its own id
        f-empty.yaml line 1: the file is empty; a format definition needs at least type, id and columns"
    `);
    expect(error.details?.problems).toContainEqual({
      file: 'a-wrong-values.yaml',
      line: 12,
      path: 'columns[1].type',
      message: expect.stringContaining('expected one of') as unknown,
    });
  });

  it('skips drafts (_*), hidden files, the JSON Schema and other extensions', async () => {
    const { problems } = await validateFormats(BROKEN);
    const files = new Set(problems.map((p) => p.file));
    expect([...files].sort()).toEqual([
      'a-wrong-values.yaml',
      'b-syntax.yaml',
      'c-fields.json',
      'd-duplicate.yaml',
      'f-empty.yaml',
    ]);
  });

  it('validateFormats returns the valid formats next to the problems instead of throwing', async () => {
    const { formats, problems } = await validateFormats(BROKEN);
    // a-wrong-values is invalid, d-duplicate repeats its id: neither may load.
    expect(formats.map((f) => f.id)).toEqual(['valid-one']);
    expect(problems).toHaveLength(12);
  });

  it('validateFormats with an id reports only that format (by id or by file name)', async () => {
    const byId = await validateFormats(BROKEN, 'fields');
    expect(byId.formats).toEqual([]);
    expect(byId.problems.map((p) => p.file)).toEqual(
      Array(4).fill('c-fields.json'),
    );

    const byFileName = await validateFormats(BROKEN, 'e-valid');
    expect(byFileName.formats.map((f) => f.id)).toEqual(['valid-one']);
    expect(byFileName.problems).toEqual([]);

    const duplicate = await validateFormats(BROKEN, 'd-duplicate');
    expect(duplicate.problems.map((p) => p.path)).toEqual(['id']);
  });

  it('validateFormats with an unknown id says which ids exist', async () => {
    const { problems } = await validateFormats(
      resolve(FIXTURES, 'valid'),
      'nope',
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message.replace(FIXTURES, '<fixtures>')).toBe(
      "Unknown format 'nope'. Known formats: csv-by-position, fixed-legacy, sheet (in <fixtures>/valid)",
    );
  });

  it('says clearly when the formats folder does not exist', async () => {
    const missing = resolve(FIXTURES, 'no-such-folder');
    const error = await loadError(missing);
    expect(error.code).toBe('FORMAT_DEFINITION_INVALID');
    expect(error.message).toBe(
      `Invalid format definition in ${missing}: ${missing}: the formats folder does not exist (set formatsDir in the config or CUSTOMER_IMPORT_FORMATS_DIR)`,
    );
  });
});
