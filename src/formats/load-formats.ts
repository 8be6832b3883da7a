import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { AppError, ErrorCode, coerceError, fsErrorCode } from '../errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { globToRegExp } from '../util/glob.js';
import {
  formatDocumentPath,
  parseSourceDocument,
  syntaxForFile,
} from '../util/source-document.js';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from './format-definition.js';
import {
  formatFormatProblem,
  problemFromIssue,
  type FormatProblem,
} from './format-problems.js';

/**
 * Loads the format definitions of a folder. Every file is read and checked, and only then is
 * one error thrown that lists every problem of every file, so an admin fixes the whole set in
 * one pass instead of one problem per restart.
 */

export type { FormatProblem } from './format-problems.js';

export interface LoadedFormat {
  readonly id: string;
  /** Absolute path of the definition file. */
  readonly file: string;
  /** Validated, defaults filled, deep-frozen. */
  readonly definition: FormatDefinition;
}

export interface FormatSet {
  /** The folder the set was loaded from (absolute). */
  readonly dir: string;
  /** Every format, ordered by file name. */
  list(): LoadedFormat[];
  get(id: string): LoadedFormat | undefined;
  /** Like `get`, but an unknown id is a `FORMAT_NOT_FOUND` error that lists the known ids. */
  require(id: string): LoadedFormat;
}

export interface FormatValidation {
  formats: LoadedFormat[];
  problems: FormatProblem[];
}

const DEFINITION_EXTENSIONS: ReadonlySet<string> = new Set([
  '.yaml',
  '.yml',
  '.json',
]);

/** Is this a file the loader reads? Not hidden or `_`-prefixed files (drafts), not the JSON Schema. */
export function isFormatFileName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_')) {
    return false;
  }
  if (name.toLowerCase().endsWith('.schema.json')) {
    return false;
  }
  return DEFINITION_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Loads and checks every definition in `dir`; throws one `FORMAT_DEFINITION_INVALID` listing all problems. */
export async function loadFormats(dir: string): Promise<FormatSet> {
  const absolute = resolve(dir);
  const { formats, problems } = await validateFormats(absolute);
  if (problems.length > 0) {
    throw formatsError(absolute, problems);
  }
  return createFormatSet(absolute, formats);
}

/**
 * Checks the definitions in `dir` and returns what is valid and every problem, without
 * throwing (for `formats validate`). With `onlyId`, only the definition with that id (or that
 * file name without extension) is reported, but duplicates with other files still count.
 */
export async function validateFormats(
  dir: string,
  onlyId?: string,
): Promise<FormatValidation> {
  const absolute = resolve(dir);
  const names = await listDefinitionFiles(absolute);
  if (typeof names === 'string') {
    return {
      formats: [],
      problems: [{ file: absolute, line: null, path: '', message: names }],
    };
  }

  const results = await Promise.all(
    names.map((name) => readDefinition(absolute, name)),
  );
  const problems = results.flatMap((r) => r.problems);
  problems.push(...duplicateIdProblems(results));

  const formats = results.flatMap((r) => (r.format ? [r.format] : []));
  if (onlyId === undefined) {
    return { formats, problems: sortProblems(problems) };
  }

  const selected = results.filter(
    (r) => r.id === onlyId || stem(r.name) === onlyId,
  );
  if (selected.length === 0) {
    const known = results.flatMap((r) => (r.id === undefined ? [] : [r.id]));
    return {
      formats: [],
      problems: [
        {
          file: absolute,
          line: null,
          path: '',
          message: unknownFormatMessage(onlyId, known, absolute),
        },
      ],
    };
  }
  const files = new Set(selected.map((r) => r.name));
  return {
    formats: selected.flatMap((r) => (r.format ? [r.format] : [])),
    problems: sortProblems(problems.filter((p) => files.has(p.file))),
  };
}

/** A set over already loaded formats (also used for hot reload and tests). */
export function createFormatSet(
  dir: string,
  formats: readonly LoadedFormat[],
): FormatSet {
  const list = [...formats];
  const byId = new Map(list.map((f) => [f.id, f]));
  return {
    dir,
    list: () => [...list],
    get: (id) => byId.get(id),
    require: (id) => {
      const found = byId.get(id);
      if (!found) {
        throw new AppError(
          ErrorCode.FORMAT_NOT_FOUND,
          unknownFormatMessage(id, [...byId.keys()], dir),
          {
            details: { format: id, known: [...byId.keys()], dir },
          },
        );
      }
      return found;
    },
  };
}

interface FileResult {
  name: string;
  /** The id the file declares, when it has a string one (even if the file is invalid). */
  id: string | undefined;
  idLine: number | null;
  format: LoadedFormat | undefined;
  problems: FormatProblem[];
}

async function listDefinitionFiles(dir: string): Promise<string[] | string> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      return 'the formats folder is a file, not a folder (check formatsDir in the config)';
    }
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter(
        (e) => (e.isFile() || e.isSymbolicLink()) && isFormatFileName(e.name),
      )
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b, 'en'));
  } catch (e) {
    if (fsErrorCode(e) === 'ENOENT') {
      return 'the formats folder does not exist (set formatsDir in the config or CUSTOMER_IMPORT_FORMATS_DIR)';
    }
    return `cannot read the formats folder: ${fsErrorCode(e) ?? coerceError(e).message}`;
  }
}

async function readDefinition(dir: string, name: string): Promise<FileResult> {
  const result: FileResult = {
    name,
    id: undefined,
    idLine: null,
    format: undefined,
    problems: [],
  };
  const problem = (
    message: string,
    line: number | null = null,
    path = '',
  ): FileResult => {
    result.problems.push({ file: name, line, path, message });
    return result;
  };

  const file = join(dir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return problem(
      `cannot read the file: ${fsErrorCode(e) ?? coerceError(e).message}`,
    );
  }
  const parsed = parseSourceDocument(
    text.replace(/^\uFEFF/, ''),
    syntaxForFile(name),
  );
  if (!parsed.ok) {
    for (const p of parsed.problems) {
      problem(p.message, p.line);
    }
    return result;
  }
  const { document } = parsed;
  let data = document.value;
  if (data === undefined || data === null) {
    return problem(
      'the file is empty; a format definition needs at least type, id and columns',
      1,
    );
  }
  if (isRecord(data)) {
    if (typeof data.id === 'string') {
      result.id = data.id;
      result.idLine = document.lineOf(['id']);
    }
    // "$schema" lets JSON editors find format.schema.json; it is not part of the definition.
    if ('$schema' in data) {
      const { $schema: _schema, ...rest } = data;
      data = rest;
    }
  }

  const checked = FormatDefinitionSchema.safeParse(data);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      result.problems.push(problemFromIssue(name, issue, document));
    }
    return result;
  }
  const definition = checked.data;
  [definition.match ?? []].flat().forEach((pattern, index) => {
    try {
      globToRegExp(pattern);
    } catch {
      const path =
        typeof definition.match === 'string' ? ['match'] : ['match', index];
      problem(
        `"${pattern}" is not a usable file name pattern`,
        document.lineOf(path),
        formatDocumentPath(path),
      );
    }
  });
  if (result.problems.length === 0) {
    result.format = {
      id: definition.id,
      file,
      definition: deepFreeze(definition),
    };
  }
  return result;
}

/** Ids must be unique across files (case-insensitively: they also name files and folders). */
function duplicateIdProblems(results: readonly FileResult[]): FormatProblem[] {
  const firstById = new Map<string, FileResult>();
  const problems: FormatProblem[] = [];
  for (const r of results) {
    if (r.id === undefined) {
      continue;
    }
    const first = firstById.get(r.id.toLowerCase());
    if (first) {
      problems.push({
        file: r.name,
        line: r.idLine,
        path: 'id',
        message: `id "${r.id}" is already used by ${first.name}; every format needs its own id`,
      });
      // The duplicate must not load: which of the two a job would get is anyone's guess.
      r.format = undefined;
    } else {
      firstById.set(r.id.toLowerCase(), r);
    }
  }
  return problems;
}

function sortProblems(problems: FormatProblem[]): FormatProblem[] {
  return problems.sort(
    (a, b) =>
      a.file.localeCompare(b.file, 'en') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.path.localeCompare(b.path, 'en'),
  );
}

function formatsError(
  dir: string,
  problems: readonly FormatProblem[],
): AppError {
  const lines = problems.map(formatFormatProblem);
  const message =
    lines.length === 1
      ? `Invalid format definition in ${dir}: ${lines[0]}`
      : [
          `Invalid format definitions in ${dir} (${lines.length} problems):`,
          ...lines.map((l) => `  ${l}`),
        ].join('\n');
  return new AppError(ErrorCode.FORMAT_DEFINITION_INVALID, message, {
    details: { dir, problems },
  });
}

function unknownFormatMessage(
  id: string,
  known: readonly string[],
  dir: string,
): string {
  const list =
    known.length === 0
      ? '(none)'
      : [...known].sort((a, b) => a.localeCompare(b, 'en')).join(', ');
  return `Unknown format '${id}'. Known formats: ${list} (in ${dir})`;
}

function stem(name: string): string {
  return basename(name, extname(name));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
