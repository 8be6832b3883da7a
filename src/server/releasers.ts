import { coerceError } from '../errors.js';

/**
 * Resources released in reverse order of acquisition, once (graphile-worker's withReleasers):
 * each acquired resource registers its releaser straight away; `releaseAll` runs them newest
 * first, goes on after a failure and rethrows the first error at the end.
 */
export class Releasers {
  readonly #releasers: { name: string; release: () => Promise<void> }[] = [];
  #released = false;

  add(name: string, release: () => Promise<void>): void {
    if (this.#released) {
      throw new Error(
        `Cannot register '${name}': resources were already released`,
      );
    }
    this.#releasers.push({ name, release });
  }

  async releaseAll(
    onError?: (name: string, error: Error) => void,
  ): Promise<void> {
    if (this.#released) {
      return;
    }
    this.#released = true;
    let first: Error | null = null;
    for (const { name, release } of this.#releasers.reverse()) {
      try {
        await release();
      } catch (e) {
        const error = coerceError(e);
        onError?.(name, error);
        first ??= error;
      }
    }
    if (first) {
      throw first;
    }
  }
}
