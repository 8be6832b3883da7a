import { open, type FileHandle } from 'node:fs/promises';
import { AppError, coerceError, fsErrorCode } from '../errors.js';

/**
 * Reads a file as a pull-based sequence of byte chunks. Pull-based on purpose: a chunk is
 * read only when the consumer asks for the next one, so a slow consumer (the store) holds
 * back the disk and memory stays flat however large the file is.
 */

/** Bytes per read when nothing else is asked for (the fs.ReadStream default). */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 64 * 1024;

export interface FileChunksOptions {
  /** File name for messages. */
  displayName: string;
  /** Bytes per read. Default {@link DEFAULT_HIGH_WATER_MARK_BYTES}. */
  highWaterMark?: number;
  /** Called after every read with the total bytes read so far. */
  onBytes?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

export interface FileChunks {
  /** The file's bytes; iterate once. Ends early, without error, once `close()` was called. */
  readonly chunks: AsyncIterable<Buffer>;
  /** Closes the file descriptor; waits for a read in flight. Safe to call more than once. */
  close(): Promise<void>;
}

/** Opens `path` for chunked reading. Throws `FILE_UNREADABLE` or `FILE_BUSY` (retryable). */
export async function openFileChunks(
  path: string,
  options: FileChunksOptions,
): Promise<FileChunks> {
  options.signal?.throwIfAborted();
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileError(e, options.displayName, 'open');
  }
  return new HandleChunks(handle, options);
}

class HandleChunks implements FileChunks {
  readonly #handle: FileHandle;
  readonly #options: FileChunksOptions;
  readonly #size: number;
  #closed = false;
  #closing: Promise<void> | undefined;
  #total = 0;

  constructor(handle: FileHandle, options: FileChunksOptions) {
    this.#handle = handle;
    this.#options = options;
    this.#size = Math.max(
      1,
      options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK_BYTES,
    );
  }

  get chunks(): AsyncIterable<Buffer> {
    return this.#read();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#handle.close().catch(() => undefined);
    return this.#closing;
  }

  /**
   * One read runs ahead while the consumer works on the chunk before it, so disk (or network
   * share) latency overlaps with parsing; at most one chunk beyond the consumer is in memory.
   */
  async *#read(): AsyncGenerator<Buffer> {
    let next = this.#readOne();
    for (;;) {
      const result = await next;
      if ('error' in result) {
        throw result.error;
      }
      if (result.chunk === undefined) {
        return;
      }
      next = this.#readOne();
      yield result.chunk;
    }
  }

  /** Reads the next chunk; never rejects, so a read ahead nobody awaits cannot go unhandled. */
  async #readOne(): Promise<
    { chunk: Buffer | undefined } | { error: unknown }
  > {
    if (this.#closed) {
      return { chunk: undefined };
    }
    try {
      this.#options.signal?.throwIfAborted();
    } catch (error) {
      return { error };
    }
    // A fresh buffer per read: the consumer may keep a reference (decoders, strings).
    const buffer = Buffer.allocUnsafe(this.#size);
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.#handle.read(buffer, 0, this.#size, null));
    } catch (e) {
      return this.#closed
        ? { chunk: undefined }
        : { error: fileError(e, this.#options.displayName, 'read') };
    }
    if (bytesRead === 0 || this.#closed) {
      return { chunk: undefined };
    }
    this.#total += bytesRead;
    this.#options.onBytes?.(this.#total);
    return {
      chunk: bytesRead === this.#size ? buffer : buffer.subarray(0, bytesRead),
    };
  }
}

/** Sorts an fs error by its code: locked or denied (often transient on shares) vs. unreadable. */
function fileError(
  e: unknown,
  displayName: string,
  during: 'open' | 'read',
): AppError {
  const cause = coerceError(e);
  const code = fsErrorCode(e);
  if (
    code === 'EBUSY' ||
    code === 'EPERM' ||
    code === 'EACCES' ||
    code === 'EAGAIN'
  ) {
    return new AppError(
      'FILE_BUSY',
      `'${displayName}' cannot be ${during === 'open' ? 'opened' : 'read'} (${code}); ` +
        'it may be locked by another program',
      { cause, details: { file: displayName, fsCode: code } },
    );
  }
  return new AppError(
    'FILE_UNREADABLE',
    `'${displayName}' cannot be ${during === 'open' ? 'opened' : 'read'} (${code ?? cause.message})`,
    {
      cause,
      details: {
        file: displayName,
        ...(code === undefined ? {} : { fsCode: code }),
      },
    },
  );
}
