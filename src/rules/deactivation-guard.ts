/**
 * The rebuild guard's words. A truncated export (the ERP crashed half-way, a filter on the ERP
 * side) must not deactivate the customer base, so a rebuild that would deactivate more than the
 * allowed share of its source's active customers fails and changes nothing.
 */
export const DEFAULT_MAX_DEACTIVATE_PERCENT = 10;

/** "would deactivate 412 of 1 000 active customers of source 'erp' (41 %), more than the allowed 10 %". */
export function deactivationRefusal(
  missing: number,
  active: number,
  source: string,
  maxPercent: number,
): string {
  const share = active === 0 ? 0 : Math.round((missing / active) * 100);
  return (
    `would deactivate ${groupDigits(missing)} of ${groupDigits(active)} active customers of source '${source}' ` +
    `(${share} %), more than the allowed ${maxPercent} %`
  );
}

/** The history note of a customer deactivated by a rebuild run. */
export function deactivationNote(runId: number | null): string {
  return runId === null
    ? 'not in file of the dry run (rebuild)'
    : `not in file of run ${runId} (rebuild)`;
}

/** 1000 → "1 000": a space groups thousands (readable in any language, unlike , or .). */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
