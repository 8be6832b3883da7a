/**
 * The server steps of a bulk import session (COPY a batch into staging, upsert a chunk), run one
 * after another on the session's connection while the caller goes on preparing the next rows.
 * Without it the process waits for every upsert (about half the wall time of a large PostgreSQL
 * import) and the server waits for every parse; with it the two overlap.
 *
 * A step that fails stops the queue: later steps are skipped, and the failure is thrown by the
 * next `settle` or `throwIfFailed`, from where the session rolls back as for any failing write.
 * Nothing here ever rejects unobserved, and `stop` waits for the running step, so no step of a
 * run can reach the connection after its ROLLBACK.
 */
export class StepQueue {
  #tail: Promise<void> = Promise.resolve();
  /** The steps not finished yet, oldest first (they finish in this order). */
  readonly #pending: Promise<void>[] = [];
  #failed = false;
  #failure: unknown = undefined;
  #stopped = false;

  /**
   * Runs `step` after every step enqueued before it. The returned promise settles when the step
   * is done or skipped, and never rejects (see `throwIfFailed`).
   */
  enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(async () => {
      if (this.#failed || this.#stopped) {
        return;
      }
      try {
        await step();
      } catch (e) {
        this.#failed = true;
        this.#failure = e;
      }
    });
    this.#tail = run;
    this.#pending.push(run);
    void run.then(() => this.#pending.shift());
    return run;
  }

  /**
   * Waits until at most `count` steps are left (the caller's back-pressure: each holds a batch's
   * COPY text until it runs), then throws the failure of an earlier step, if any.
   */
  async waitUntilAtMost(count: number): Promise<void> {
    while (this.#pending.length > count) {
      await this.#pending[0];
    }
    this.throwIfFailed();
  }

  /** Throws the failure of an earlier step, if there was one (does not wait). */
  throwIfFailed(): void {
    if (this.#failed) {
      throw this.#failure;
    }
  }

  /** Waits until every enqueued step is done, then throws the first failure, if any. */
  async settle(): Promise<void> {
    await this.#tail;
    this.throwIfFailed();
  }

  /** Skips the steps that have not started and waits for the one that has. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#tail;
  }
}
