/**
 * What a command may touch of the outside world. `main.ts` passes the real process streams;
 * tests pass buffers, so the whole CLI runs in-process.
 */
export interface CliOutput {
  write(text: string): void;
  /** True when a person is looking (progress bars, colours). */
  readonly isTTY: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The real stderr stream, for the progress bar (absent in tests). */
  stderrStream?: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM by main.ts. */
  signal?: AbortSignal;
}

/** An output that collects what is written (for tests and for capturing). */
export class BufferOutput implements CliOutput {
  readonly isTTY: boolean;
  #text = '';
  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }
  write(text: string): void {
    this.#text += text;
  }
  get text(): string {
    return this.#text;
  }
}
