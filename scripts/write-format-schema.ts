import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { FormatDefinitionSchema } from '../src/formats/format-definition.js';

/**
 * Writes formats/format.schema.json from FormatDefinitionSchema (`npm run schema`), so admins
 * get completion and checks in their editor. YAML formats point at it with a first line
 * `# yaml-language-server: $schema=./format.schema.json`. A test fails when the committed file
 * is out of date.
 */

export const FORMAT_SCHEMA_PATH = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../formats/format.schema.json',
);

/** The JSON text of the schema, exactly as it is committed. */
export function renderFormatSchema(): string {
  // `input`: the schema describes what an admin writes, where every defaulted field is optional.
  const generated = z.toJSONSchema(FormatDefinitionSchema, { io: 'input' });
  const schema = {
    $schema: generated.$schema,
    $id: 'https://customer-import.local/format.schema.json',
    title: 'customer-import format definition',
    description:
      'One ERP export file format: how to read it and which customer fields its columns fill.',
    ...generated,
  };
  allowSchemaKey(schema);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * A JSON definition may name its schema with "$schema" (the loader drops that key). Each file
 * type's object is closed (`additionalProperties: false`), so the key is declared in each.
 */
function allowSchemaKey(schema: Record<string, unknown>): void {
  const variants = schema.oneOf ?? schema.anyOf;
  if (!Array.isArray(variants)) {
    return;
  }
  for (const variant of variants as unknown[]) {
    if (
      typeof variant === 'object' &&
      variant !== null &&
      'properties' in variant
    ) {
      const properties = (variant as { properties: Record<string, unknown> })
        .properties;
      properties.$schema = {
        type: 'string',
        description: 'Path or URL of this JSON Schema (ignored by the loader)',
      };
    }
  }
}

async function main(): Promise<void> {
  await writeFile(FORMAT_SCHEMA_PATH, renderFormatSchema(), 'utf8');
  process.stdout.write(`Wrote ${join('formats', 'format.schema.json')}\n`);
}

// Run only when executed (tsx scripts/write-format-schema.ts), not when a test imports it.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  await main();
}
