/**
 * GetRecords paging that survives real servers, as a pure state machine (no I/O: the harvester feeds it what
 * each page held and asks where to go next). The next start position is computed from what was received
 * (startPosition + records really returned); `nextRecord` is only a hint, because servers lie about it:
 * GéoPicardie announces record 11 of 10, the INSPIRE geoportal jumps to 85 after 2 records, others repeat a
 * position or say 0 too early. `numberOfRecordsMatched` may change during a run; empty pages are tolerated a
 * bounded number of times; a failed page is retried with half the page size, down to 1, then skipped; the
 * number of requests is capped so that no server can keep the harvester paging for ever.
 */

/** Consecutive empty pages before the listing is abandoned. */
export const MAX_EMPTY_PAGES = 3;
/** Pages allowed beyond matched / pageSize (re-requests after failures, small pages, a growing catalogue). */
export const PAGE_SLACK = 10;

export interface Paging {
  /** Next startPosition to ask for (1-based). */
  start: number;
  /** The configured page size. */
  pageSize: number;
  /** The page size of the next request (smaller while retrying a failed window). */
  size: number;
  /** While start < retryUntil, failed window: keep the reduced size. */
  retryUntil: number;
  matched?: number;
  firstMatched?: number;
  pages: number;
  emptyStreak: number;
  /** Records the harvester yielded or skipped, counted once. */
  received: number;
  done: boolean;
  warnings: string[];
  /** Why the listing is not the whole catalogue (ctx.incomplete). */
  incomplete: string[];
}

export function startPaging(pageSize: number): Paging {
  return { start: 1, pageSize, size: pageSize, retryUntil: 0, pages: 0, emptyStreak: 0, received: 0, done: false, warnings: [], incomplete: [] };
}

/** The page cap: what matched says, plus slack (and room for pages made small by failures). */
export function pageCap(p: Paging): number {
  const matched = p.matched ?? p.pageSize * 1000;
  return Math.ceil(matched / p.pageSize) + PAGE_SLACK + Math.ceil(Math.log2(p.pageSize + 1)) * 4;
}

export interface PageOutcome {
  matched?: number;
  nextRecord?: number;
  /** Records present in the page (duplicates included). */
  count: number;
}

/** Advances after a page that was read; returns the state for the next request. */
export function afterPage(p: Paging, page: PageOutcome): Paging {
  const s: Paging = { ...p, pages: p.pages + 1, warnings: [], incomplete: [] };
  noteMatched(s, page.matched);
  if (page.count === 0) return afterEmptyPage(s, page);
  s.emptyStreak = 0;
  s.received += page.count;
  const next = s.start + page.count;
  hint(s, next, page.nextRecord);
  s.start = next;
  if (s.start >= s.retryUntil) s.size = s.pageSize;
  if (s.matched !== undefined && s.start > s.matched) s.done = true;
  return capped(s);
}

function noteMatched(s: Paging, matched: number | undefined): void {
  if (matched === undefined) return;
  if (s.matched !== undefined && matched !== s.matched) {
    s.warnings.push(`numberOfRecordsMatched changed from ${s.matched} to ${matched} during the harvest (at startPosition ${s.start})`);
  }
  s.firstMatched ??= matched;
  s.matched = matched;
}

/** Says what a lying nextRecord would have done; the computed position is kept. */
function hint(s: Paging, next: number, nextRecord: number | undefined): void {
  if (nextRecord === undefined || nextRecord === next) return;
  const end = s.matched !== undefined && next > s.matched;
  if (nextRecord === 0) {
    if (!end) s.warnings.push(`nextRecord is 0 at startPosition ${s.start} although ${s.matched ?? 'more'} records match: continuing at ${next}`);
  } else if (nextRecord > next) {
    if (!end) s.warnings.push(`nextRecord ${nextRecord} skips records ${next}–${nextRecord - 1}: continuing at ${next}`);
  } else {
    s.warnings.push(`nextRecord ${nextRecord} repeats records already received: continuing at ${next}`);
  }
}

function afterEmptyPage(s: Paging, page: PageOutcome): Paging {
  if (s.matched !== undefined && s.start > s.matched) {
    s.done = true;
    return s;
  }
  s.emptyStreak++;
  const missing = s.matched === undefined ? '' : ` of ${s.matched}`;
  // The server says the listing is over (nextRecord 0) or no count tells otherwise: stop here.
  if (page.nextRecord === 0 || s.matched === undefined) {
    s.done = true;
    if (s.matched !== undefined) s.incomplete.push(`empty page at startPosition ${s.start} after ${s.received}${missing} records`);
    return s;
  }
  if (s.emptyStreak >= MAX_EMPTY_PAGES) {
    s.done = true;
    s.incomplete.push(`${MAX_EMPTY_PAGES} empty pages in a row from startPosition ${s.start - (MAX_EMPTY_PAGES - 1) * s.size}: stopped after ${s.received}${missing} records`);
    return s;
  }
  s.warnings.push(`empty page at startPosition ${s.start} although ${s.matched} records match: skipping ahead`);
  s.start += s.size;
  if (s.start > s.matched) s.done = true;
  return capped(s);
}

/** After a failed request: halve the page size, or, at size 1, skip that position. */
export function afterFailure(p: Paging, reason: string): Paging {
  const s: Paging = { ...p, pages: p.pages + 1, warnings: [], incomplete: [] };
  if (s.size > 1) {
    s.retryUntil = Math.max(s.retryUntil, s.start + s.size);
    s.size = Math.max(1, Math.floor(s.size / 2));
    s.warnings.push(`page at startPosition ${s.start} failed (${reason}): retrying with ${s.size} records per page`);
    return capped(s);
  }
  s.incomplete.push(`record at startPosition ${s.start} skipped: ${reason}`);
  s.received++;
  s.start++;
  if (s.start >= s.retryUntil) s.size = s.pageSize;
  if (s.matched !== undefined && s.start > s.matched) s.done = true;
  return capped(s);
}

function capped(s: Paging): Paging {
  if (!s.done && s.pages >= pageCap(s)) {
    s.done = true;
    s.incomplete.push(`stopped after ${s.pages} requests (cap for ${s.matched ?? 'an unknown number of'} records): ${s.received} records received`);
  }
  return s;
}

/** The final check: fewer records than the last numberOfRecordsMatched means the listing missed some. */
export function finalCheck(p: Paging, unique: number): string | undefined {
  if (p.matched === undefined || unique >= p.matched) return undefined;
  return `listed ${unique} distinct records but the server matched ${p.matched}`;
}
