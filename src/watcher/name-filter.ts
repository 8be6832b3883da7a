import { globToRegExp } from '../util/glob.js';

/**
 * Which names in the exchange folder the watcher cares about. Pure; the watcher asks it about
 * every event and every directory entry.
 *
 * Matching is case-insensitive because the exchange folder is often a Windows share, where
 * `Customers.TXT` and `customers.txt` are the same file.
 */

export interface MarkerOptions {
  enabled: boolean;
  /** Marker = data file name + suffix (`customers.txt.done`). */
  suffix: string;
  /** A fixed marker name instead of name + suffix. */
  name?: string | undefined;
}

export interface NameFilterOptions {
  /** File names or globs (`*`, `?`, `[abc]`), matched against the whole base name. */
  patterns: readonly string[];
  marker?: MarkerOptions | undefined;
  /** Base names of our own folders inside the watched folder (processing, archive, failed). */
  reservedNames?: readonly string[];
}

export const NAME_CLASSES = [
  'data',
  'marker',
  'temporary',
  'reserved',
  'other',
] as const;
export type NameClass = (typeof NAME_CLASSES)[number];

export interface NameFilter {
  classify(name: string): NameClass;
  /** The marker file name that releases `dataName`, or null when marker mode is off. */
  markerNameFor(dataName: string): string | null;
  /** For a marker name: the data file it belongs to (null for a fixed marker name). */
  dataNameFor(markerName: string): string | null;
}

// Office owner files (~$x.xlsx), LibreOffice locks (.~lock.x#), and the usual partial-write names.
const TEMPORARY_PATTERNS = ['*.tmp', '*.part', '~$*', '.~lock*'].map((p) =>
  globToRegExp(p),
);

export function isTemporaryName(name: string): boolean {
  return TEMPORARY_PATTERNS.some((re) => re.test(name));
}

export function createNameFilter(options: NameFilterOptions): NameFilter {
  const patterns = options.patterns.map((p) => globToRegExp(p));
  const reserved = new Set(
    (options.reservedNames ?? []).map((n) => n.toLowerCase()),
  );
  const marker = options.marker?.enabled === true ? options.marker : undefined;
  const fixedMarker = marker?.name?.toLowerCase();
  const suffix = marker?.suffix.toLowerCase() ?? '';
  const isData = (name: string): boolean =>
    patterns.some((re) => re.test(name));

  const dataNameFor = (name: string): string | null => {
    if (marker === undefined || fixedMarker !== undefined || suffix === '') {
      return null;
    }
    if (!name.toLowerCase().endsWith(suffix) || name.length === suffix.length) {
      return null;
    }
    const data = name.slice(0, name.length - suffix.length);
    return isData(data) ? data : null;
  };

  return {
    classify(name: string): NameClass {
      if (reserved.has(name.toLowerCase())) {
        return 'reserved';
      }
      if (isTemporaryName(name)) {
        return 'temporary';
      }
      // Markers before data: a pattern like `customers*` also matches `customers.txt.done`.
      if (
        marker !== undefined &&
        (name.toLowerCase() === fixedMarker || dataNameFor(name) !== null)
      ) {
        return 'marker';
      }
      return isData(name) ? 'data' : 'other';
    },
    markerNameFor(dataName: string): string | null {
      if (marker === undefined) {
        return null;
      }
      return marker.name ?? `${dataName}${marker.suffix}`;
    },
    dataNameFor,
  };
}
