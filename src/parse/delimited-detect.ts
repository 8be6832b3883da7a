/**
 * Guessing the layout of a delimited file from a sample of its first lines: the record
 * separator (LF, CRLF or CR) and the field delimiter. Pure functions on text.
 *
 * Both guesses ignore quoted parts first, because a quoted value may hold line breaks and
 * delimiters that say nothing about the file's layout.
 *
 * @internal
 */

export type Newline = '\n' | '\r\n' | '\r';

/** The delimiters `delimiter: auto` chooses from, in order of preference on a tie. */
export const DELIMITER_CANDIDATES = [';', ',', '\t', '|'] as const;

/** How many lines of the sample the delimiter guess looks at. */
const DETECT_LINES = 20;

/** `sample` with every quoted section removed (an unterminated one is kept). */
export function stripQuoted(sample: string, quote: string): string {
  if (!sample.includes(quote)) {
    return sample;
  }
  const q = escapeRegExp(quote);
  return sample.replace(new RegExp(`${q}[^${q}]*${q}`, 'g'), '');
}

/**
 * The first line break outside quotes decides. Without any line break, LF (a one-line file
 * parses the same whatever the separator is).
 */
export function detectNewline(sample: string, quote: string): Newline {
  const text = stripQuoted(sample, quote);
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr === -1 || (lf !== -1 && lf < cr)) {
    return '\n';
  }
  return text.charCodeAt(cr + 1) === 0x0a ? '\r\n' : '\r';
}

/** Which line break kinds occur in `sample` outside quotes. */
export function newlinesPresent(sample: string, quote: string): Set<Newline> {
  const text = stripQuoted(sample, quote);
  const found = new Set<Newline>();
  if (text.includes('\r\n')) {
    found.add('\r\n');
  }
  if (/\n/.test(text.replaceAll('\r\n', ''))) {
    found.add('\n');
  }
  if (/\r/.test(text.replaceAll('\r\n', ''))) {
    found.add('\r');
  }
  return found;
}

export interface DelimiterGuessInput {
  sample: string;
  newline: Newline;
  quote: string;
  comment: string | undefined;
  /** Whether the sample ends at the end of the file (else its last line may be cut off). */
  complete: boolean;
}

/**
 * The candidate found on the first line that gives the most lines the same field count as the
 * first line; ties go to the higher count, then to the order of {@link DELIMITER_CANDIDATES}.
 * Undefined when no candidate occurs on the first line.
 */
export function detectDelimiter(
  input: DelimiterGuessInput,
): string | undefined {
  const lines = sampleLines(input);
  const first = lines[0];
  if (first === undefined) {
    return undefined;
  }
  let best:
    { delimiter: string; consistent: number; count: number } | undefined;
  for (const delimiter of DELIMITER_CANDIDATES) {
    const count = countOf(first, delimiter);
    if (count === 0) {
      continue;
    }
    const consistent = lines.filter(
      (line) => countOf(line, delimiter) === count,
    ).length;
    if (
      best === undefined ||
      consistent > best.consistent ||
      (consistent === best.consistent && count > best.count)
    ) {
      best = { delimiter, consistent, count };
    }
  }
  return best?.delimiter;
}

/** Non-blank, non-comment lines of the sample, quoted parts removed. */
function sampleLines(input: DelimiterGuessInput): string[] {
  const lines = stripQuoted(input.sample, input.quote).split(input.newline);
  if (!input.complete && lines.length > 1) {
    lines.pop();
  }
  const comment = input.comment;
  return lines
    .filter(
      (line) =>
        line.trim() !== '' &&
        (comment === undefined || !line.startsWith(comment)),
    )
    .slice(0, DETECT_LINES);
}

/** The candidate delimiters found in `text`, most frequent first. */
export function otherDelimitersIn(text: string, except: string): string[] {
  return DELIMITER_CANDIDATES.filter(
    (d) => d !== except && text.includes(d),
  ).sort((a, b) => countOf(text, b) - countOf(text, a));
}

/** A delimiter as an admin reads it in a message: `';'`, or TAB for a tab. */
export function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'TAB' : `'${delimiter}'`;
}

function countOf(text: string, part: string): number {
  let n = 0;
  let i = text.indexOf(part);
  while (i !== -1) {
    n++;
    i = text.indexOf(part, i + part.length);
  }
  return n;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
