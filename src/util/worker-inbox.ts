/**
 * The messages of a worker thread, in the order it sent them, for a consumer that awaits them one
 * at a time (the workbook reader and the parse thread). A message that arrives before it is asked
 * for waits in a queue. The first failure is final: it rejects a waiting `next()` at once, and
 * every later one, and `onFail` runs (the owner stops the worker). After `close()` the inbox
 * takes nothing more, and asking for a message it does not hold is an error (`afterClose`).
 */
export class WorkerInbox<M> {
  readonly #afterClose: () => Error;
  readonly #onFail: () => void;
  /** Messages, and a failure the worker reported after them, not yet taken. */
  readonly #queue: ({ message: M } | { error: Error })[] = [];
  #pending:
    | { resolve: (message: M) => void; reject: (error: Error) => void }
    | undefined;
  #failure: Error | undefined;
  #closed = false;

  constructor(options: { afterClose: () => Error; onFail: () => void }) {
    this.#afterClose = options.afterClose;
    this.#onFail = options.onFail;
  }

  /** The failure, once there is one. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A message from the worker: to the waiting `next()`, or into the queue. */
  push(message: M): void {
    const pending = this.#pending;
    if (pending === undefined) {
      this.#queue.push({ message });
      return;
    }
    this.#pending = undefined;
    pending.resolve(message);
  }

  /**
   * A failure the worker reported: it comes after the messages it sent before it, as it would
   * without the thread (a failure of the thread itself goes to `fail` at once).
   */
  pushFailure(error: Error): void {
    if (this.#queue.length === 0) {
      this.fail(error);
    } else {
      this.#queue.push({ error });
    }
  }

  /** Fails the inbox now; nothing changes when it had failed or was closed already. */
  fail(error: Error): void {
    if (this.#failure !== undefined || this.#closed) {
      return;
    }
    this.#failure = error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
    this.#onFail();
  }

  /** Takes nothing more; false when it was closed already. */
  close(): boolean {
    if (this.#closed) {
      return false;
    }
    this.#closed = true;
    return true;
  }

  next(): Promise<M> {
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    const queued = this.#queue.shift();
    if (queued !== undefined) {
      if ('error' in queued) {
        this.fail(queued.error);
        return Promise.reject(queued.error);
      }
      return Promise.resolve(queued.message);
    }
    if (this.#closed) {
      return Promise.reject(this.#afterClose());
    }
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
  }
}
