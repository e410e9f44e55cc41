/**
 * MediaWiki timestamps (`YYYYMMDDHHMMSS`, UTC), the `timestamp` column of every event table.
 */

/**
 * The MediaWiki timestamp of a capsule `dt` (`2013-01-19T23:16:38Z` → `20130119231638`).
 * `dt` must be a normalised capsule time (see `normalizeDt`); the fraction, if any, is dropped.
 */
export function mediawikiTimestamp(dt: string): string {
  return dt.slice(0, 4) + dt.slice(5, 7) + dt.slice(8, 10) + dt.slice(11, 13) + dt.slice(14, 16) + dt.slice(17, 19);
}
