import { resolve } from 'node:path';

/**
 * Config layers as plain data: deep merge (objects merge, arrays replace), dropping unset
 * values, and resolving the relative paths a layer sets. Kept apart from load-config.ts, which
 * decides where the layers come from.
 */

/** Resolves the relative paths a layer sets, against `base`. Values of the wrong type are left for zod. */
export function resolveLayerPaths(
  layer: Record<string, unknown>,
  base: string,
): Record<string, unknown> {
  const out = { ...layer };
  const resolveKey = (obj: Record<string, unknown>, key: string): void => {
    const value = obj[key];
    if (typeof value === 'string' && value !== '' && value !== ':memory:') {
      obj[key] = resolve(base, value);
    }
  };
  resolveKey(out, 'formatsDir');
  for (const key of ['store', 'logging'] as const) {
    const section = out[key];
    if (isPlainObject(section)) {
      const copy = { ...section };
      resolveKey(copy, key === 'store' ? 'path' : 'dir');
      out[key] = copy;
    }
  }
  if (Array.isArray(out.jobs)) {
    out.jobs = out.jobs.map((job: unknown) => {
      if (!isPlainObject(job)) {
        return job;
      }
      const copy = { ...job };
      for (const key of [
        'folder',
        'processingDir',
        'archiveDir',
        'failedDir',
      ]) {
        resolveKey(copy, key);
      }
      return copy;
    });
  }
  return out;
}

/** Deep merge: plain objects merge key by key, everything else (arrays too) replaces. */
export function mergeLayers(
  base: unknown,
  over: unknown,
): Record<string, unknown> {
  const merged = mergeValues(base, over);
  return isPlainObject(merged) ? merged : {};
}

function mergeValues(base: unknown, over: unknown): unknown {
  if (over === undefined) {
    return base;
  }
  if (!isPlainObject(base) || !isPlainObject(over)) {
    return over;
  }
  // A store of another type is a different object: merging `path` into a postgres store
  // would only produce "unknown key" errors.
  if ('type' in base && 'type' in over && base.type !== over.type) {
    return over;
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    defineKey(out, key, mergeValues(base[key], value));
  }
  return out;
}

/** Drops `undefined` values and objects left empty, so unset flags override nothing. */
export function dropEmpty(value: unknown): Record<string, unknown> {
  const cleaned = dropEmptyValue(value);
  return isPlainObject(cleaned) ? cleaned : {};
}

function dropEmptyValue(value: unknown): unknown {
  if (!isPlainObject(value)) {
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const cleaned = dropEmptyValue(inner);
    if (
      cleaned !== undefined &&
      !(isPlainObject(cleaned) && Object.keys(cleaned).length === 0)
    ) {
      defineKey(out, key, cleaned);
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

export function setPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): void {
  let node = target;
  path.forEach((key, index) => {
    if (index === path.length - 1) {
      defineKey(node, key, value);
      return;
    }
    const next = node[key];
    if (isPlainObject(next)) {
      node = next;
    } else {
      const created: Record<string, unknown> = {};
      defineKey(node, key, created);
      node = created;
    }
  });
}

export function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = value;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') {
      node = node[key];
    } else if (
      isPlainObject(node) &&
      typeof key === 'string' &&
      Object.hasOwn(node, key)
    ) {
      node = node[key];
    } else {
      return false;
    }
  }
  return node !== undefined;
}

export function samePath(
  a: readonly PropertyKey[],
  b: readonly PropertyKey[],
): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

// A key named `__proto__` in a YAML file must stay a plain (and then rejected) key, not
// become the object's prototype.
function defineKey(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
