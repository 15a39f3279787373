/**
 * Byte ranges served from a mirrored file (RFC 9110 §14). Pure functions.
 *
 * One range per request: a request for several ranges (`bytes=0-9,20-29`) is answered with the whole file
 * (200), which RFC 9110 §14.2 allows (a server MAY ignore Range); GDAL, curl and browsers ask for one range.
 * A syntactically invalid Range header is ignored the same way.
 */

export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/** What to send for a `Range` header on a file of `size` bytes. */
export function rangeOf(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'full' };
  if (header.includes(',')) return { kind: 'full' };
  const m = RANGE.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/**
 * Whether an `If-Range` validator still names this file (RFC 9110 §13.1.5): an entity tag matches by strong
 * comparison only; a date matches when it equals Last-Modified exactly.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: string | undefined): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return v === etag && !etag.startsWith('W/');
  if (!lastModified) return false;
  const a = Date.parse(v);
  return !Number.isNaN(a) && a === Date.parse(lastModified);
}

/** Whether an `If-None-Match` header names this entity tag (weak comparison, RFC 9110 §13.1.2). */
export function noneMatchHolds(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}
