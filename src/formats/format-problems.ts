import { CUSTOMER_FIELD_NAMES, ATTRIBUTE_PREFIX } from '../domain/customer.js';
import {
  formatDocumentPath,
  type SourceDocument,
} from '../util/source-document.js';
import {
  describeZodIssue,
  issueTargetPath,
  type ZodIssue,
} from '../util/zod-issue.js';

/**
 * A problem in a format definition file, with enough position for an admin to fix it in one
 * pass: `nav-debitors.yaml line 12 (columns[3].type): expected one of "string"|…`.
 */
export interface FormatProblem {
  /** The file's name inside the formats folder (or the folder itself for folder problems). */
  file: string;
  /** 1-based line in the file, when known. */
  line: number | null;
  /** Where in the definition, e.g. `columns[3].type`; empty for the whole file. */
  path: string;
  message: string;
}

/** `file line N (path): message`, the one-line form used in errors and by `formats validate`. */
export function formatFormatProblem(problem: FormatProblem): string {
  const line = problem.line === null ? '' : ` line ${problem.line}`;
  const path = problem.path === '' ? '' : ` (${problem.path})`;
  return `${problem.file}${line}${path}: ${problem.message}`;
}

/** Turns a zod issue on a parsed definition into a problem with its line. */
export function problemFromIssue(
  file: string,
  issue: ZodIssue,
  document: SourceDocument,
): FormatProblem {
  const path = issueTargetPath(issue);
  return {
    file,
    line: document.lineOf(path),
    path: formatDocumentPath(path),
    // Our own cross-field messages (code "custom") are already specific.
    message:
      (issue.code === 'custom'
        ? undefined
        : fieldNameHint(path, document.value)) ?? describeZodIssue(issue),
  };
}

/**
 * A misspelt target field fails zod's union with a message about `attributes.<name>` only,
 * which is no help for "nmae". Format definitions hold no customer data, so the value may be
 * quoted here.
 */
function fieldNameHint(
  path: readonly PropertyKey[],
  data: unknown,
): string | undefined {
  const last = path[path.length - 1];
  const isFieldPath = last === 'field' || (path.length === 1 && last === 'key');
  if (!isFieldPath) {
    return undefined;
  }
  const value = valueAt(data, path);
  if (typeof value !== 'string' || value.startsWith(ATTRIBUTE_PREFIX)) {
    return undefined;
  }
  const suggestion = closestField(value);
  const didYouMean =
    suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  return `"${value}" is not a customer field${didYouMean}; custom fields are written attributes.<name>`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object') {
      return undefined;
    }
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function closestField(value: string): string | undefined {
  const wanted = value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const field of CUSTOMER_FIELD_NAMES) {
    const distance = editDistance(wanted, field.toLowerCase());
    if (distance < bestDistance) {
      best = field;
      bestDistance = distance;
    }
  }
  // Beyond a third of the word, a "suggestion" is a guess that misleads more than it helps.
  return bestDistance <= Math.max(1, Math.floor(wanted.length / 3))
    ? best
    : undefined;
}

/** Edit distance where swapping two neighbours counts as one edit ("nmae" is one from "name"). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const up = rows[i - 1]?.[j] ?? 0;
      const diagonal = rows[i - 1]?.[j - 1] ?? 0;
      let best = Math.min(up + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
