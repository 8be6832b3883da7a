import { AppError, ErrorCode } from '../errors.js';
import type { FormatSet, LoadedFormat } from './load-formats.js';
import { matchFormat } from './match-format.js';

/**
 * The format for a file: the one named (`--format`), or else the single format whose `match`
 * pattern fits the file name. Zero or several candidates is a usage error that lists them.
 */
export function resolveFormatForFile(
  set: FormatSet,
  fileName: string,
  formatId: string | undefined,
): LoadedFormat {
  if (formatId !== undefined) {
    return set.require(formatId);
  }
  const candidates = matchFormat(set, fileName);
  const [only] = candidates;
  if (candidates.length === 1 && only) {
    return only;
  }
  const known = set
    .list()
    .map((f) => f.id)
    .join(', ');
  if (candidates.length === 0) {
    throw new AppError(
      ErrorCode.FORMAT_NOT_MATCHED,
      `No format matches the file name '${fileName}'. Name one with --format <id> (known formats: ${known || 'none'}).`,
    );
  }
  throw new AppError(
    ErrorCode.FORMAT_NOT_MATCHED,
    `Several formats match '${fileName}': ${candidates.map((f) => f.id).join(', ')}. Choose one with --format <id>.`,
  );
}
