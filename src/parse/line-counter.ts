/**
 * Counts physical line breaks in one string while a parser walks forward through it. Lines
 * are counted the way editors count them (LF, CRLF and a lone CR each end a line), because
 * the numbers are shown to an admin who opens the file in an editor: Excel's CSV export,
 * for one, writes CRLF between records but a bare LF for a line break inside a cell.
 *
 * Positions only ever move forward, so the whole string is searched once with `indexOf`
 * (native, fast) instead of looking at every character in JavaScript.
 *
 * @internal
 */
export class LineCounter {
  readonly #text: string;
  #nextLf: number;
  #nextCr: number;
  #breaks = 0;

  constructor(text: string) {
    this.#text = text;
    this.#nextLf = text.indexOf('\n');
    this.#nextCr = text.indexOf('\r');
  }

  /** Line breaks that end before `position`. Calls must not go backwards. */
  breaksBefore(position: number): number {
    const text = this.#text;
    while (this.#nextLf !== -1 && this.#nextLf < position) {
      this.#breaks++;
      this.#nextLf = text.indexOf('\n', this.#nextLf + 1);
    }
    while (this.#nextCr !== -1 && this.#nextCr < position) {
      // A CR followed by LF is one break, counted with the LF.
      if (text.charCodeAt(this.#nextCr + 1) !== 0x0a) {
        this.#breaks++;
      }
      this.#nextCr = text.indexOf('\r', this.#nextCr + 1);
    }
    return this.#breaks;
  }
}

/** Line breaks inside `text`, counted as {@link LineCounter} does. */
export function countLineBreaks(text: string): number {
  return new LineCounter(text).breaksBefore(text.length);
}

/**
 * Index just after the `count`-th line break of `text`, or undefined when `text` does not (yet)
 * hold that many. A CR as the very last character is not trusted unless `atEnd`: its LF may
 * still be on the way.
 */
export function indexAfterLines(
  text: string,
  count: number,
  atEnd: boolean,
): number | undefined {
  let position = 0;
  for (let seen = 0; seen < count; seen++) {
    const lf = text.indexOf('\n', position);
    const cr = text.indexOf('\r', position);
    if (lf === -1 && cr === -1) {
      return undefined;
    }
    if (cr !== -1 && (lf === -1 || cr < lf)) {
      if (cr === text.length - 1 && !atEnd) {
        return undefined;
      }
      position = text.charCodeAt(cr + 1) === 0x0a ? cr + 2 : cr + 1;
    } else {
      position = lf + 1;
    }
  }
  return position;
}
