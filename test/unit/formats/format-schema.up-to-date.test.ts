import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  FORMAT_SCHEMA_PATH,
  renderFormatSchema,
} from '../../../scripts/write-format-schema.js';

describe('formats/format.schema.json', () => {
  it('is what `npm run schema` generates from FormatDefinitionSchema (run it after changing the schema)', async () => {
    const committed = await readFile(FORMAT_SCHEMA_PATH, 'utf8');
    expect(
      committed === renderFormatSchema(),
      'formats/format.schema.json is out of date: run `npm run schema`',
    ).toBe(true);
  });

  it('describes what admins write: defaulted fields are optional, the file types are alternatives', () => {
    const schema = JSON.parse(renderFormatSchema()) as {
      oneOf: Array<{ required: string[]; properties: Record<string, unknown> }>;
    };
    expect(schema.oneOf).toHaveLength(3);
    for (const variant of schema.oneOf) {
      expect(variant.required.sort()).toEqual(['columns', 'id', 'type']);
      expect(variant.properties).toHaveProperty('$schema');
    }
  });
});
