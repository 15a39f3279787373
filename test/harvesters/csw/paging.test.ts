import { describe, expect, it } from 'vitest';
import { afterFailure, afterPage, finalCheck, MAX_EMPTY_PAGES, pageCap, startPaging } from '../../../harvesters/csw/paging.ts';

describe('CSW paging state', () => {
  it('moves by the records received and ends past numberOfRecordsMatched', () => {
    let p = startPaging(2);
    p = afterPage(p, { matched: 6, nextRecord: 3, count: 2 });
    expect(p).toMatchObject({ start: 3, done: false, warnings: [] });
    p = afterPage(p, { matched: 6, nextRecord: 5, count: 2 });
    p = afterPage(p, { matched: 6, nextRecord: 0, count: 2 });
    expect(p).toMatchObject({ start: 7, done: true, warnings: [], incomplete: [] });
    expect(finalCheck(p, 6)).toBeUndefined();
  });

  it('ignores a nextRecord past the end (GéoPicardie: 10 of 10, nextRecord 11) without a warning', () => {
    const p = afterPage(startPaging(100), { matched: 10, nextRecord: 11, count: 10 });
    expect(p).toMatchObject({ start: 11, done: true, warnings: [] });
  });

  it('warns about a nextRecord that skips, repeats or ends too early, and keeps its own position', () => {
    expect(afterPage(startPaging(10), { matched: 216, nextRecord: 85, count: 2 })).toMatchObject({ start: 3, warnings: ['nextRecord 85 skips records 3–84: continuing at 3'] });
    expect(afterPage(startPaging(10), { matched: 20, nextRecord: 5, count: 10 }).warnings).toEqual(['nextRecord 5 repeats records already received: continuing at 11']);
    expect(afterPage(startPaging(10), { matched: 20, nextRecord: 0, count: 10 })).toMatchObject({ start: 11, done: false });
  });

  it('warns when numberOfRecordsMatched changes', () => {
    const p = afterPage(afterPage(startPaging(5), { matched: 12, count: 5 }), { matched: 13, count: 5 });
    expect(p.warnings).toEqual(['numberOfRecordsMatched changed from 12 to 13 during the harvest (at startPosition 6)']);
    expect(p).toMatchObject({ firstMatched: 12, matched: 13 });
  });

  it('gives up after a bounded number of empty pages and says the listing is incomplete', () => {
    let p = afterPage(startPaging(10), { matched: 100, count: 10 });
    for (let i = 1; i < MAX_EMPTY_PAGES; i++) {
      p = afterPage(p, { matched: 100, count: 0, nextRecord: 21 });
      expect(p.done).toBe(false);
    }
    p = afterPage(p, { matched: 100, count: 0 });
    expect(p.done).toBe(true);
    expect(p.incomplete[0]).toMatch(/^3 empty pages in a row from startPosition 11: stopped after 10 of 100 records$/);
  });

  it('stops at an empty page the server calls the last one (nextRecord 0), or when no count is given', () => {
    const p = afterPage(afterPage(startPaging(10), { matched: 30, count: 10 }), { matched: 30, count: 0, nextRecord: 0 });
    expect(p).toMatchObject({ done: true, incomplete: ['empty page at startPosition 11 after 10 of 30 records'] });
    expect(afterPage(startPaging(10), { count: 0 })).toMatchObject({ done: true, incomplete: [] });
  });

  it('halves the page size on failure down to 1, then skips one position and restores the size past the failed window', () => {
    let p = afterPage(startPaging(8), { matched: 40, count: 8 });
    p = afterFailure(p, 'HTTP 500');
    expect(p).toMatchObject({ start: 9, size: 4, retryUntil: 17 });
    p = afterFailure(afterFailure(afterFailure(p, 'x'), 'x'), 'x');
    expect(p).toMatchObject({ start: 10, size: 1, incomplete: ['record at startPosition 9 skipped: x'] });
    p = afterPage(p, { matched: 40, count: 1 });
    expect(p).toMatchObject({ start: 11, size: 1 });
    for (let i = 0; i < 6; i++) p = afterPage(p, { matched: 40, count: 1 });
    expect(p).toMatchObject({ start: 17, size: 8 });
  });

  it('caps the number of requests', () => {
    let p = startPaging(10);
    p = afterPage(p, { matched: 20, count: 1 });
    while (!p.done) p = afterPage(p, { matched: 20, count: 1 });
    // 20 one-record pages fit under the cap; a server answering one record of 1000 pages would not.
    expect(pageCap(p)).toBeGreaterThanOrEqual(20);
    let q = startPaging(10);
    q = afterPage(q, { matched: 100_000, count: 1 });
    while (!q.done) q = afterPage(q, { matched: 100_000, count: 1 });
    expect(q.pages).toBe(pageCap(q));
    expect(q.incomplete[0]).toMatch(/^stopped after \d+ requests/);
  });

  it('compares what was listed with the final count', () => {
    expect(finalCheck({ ...startPaging(10), matched: 12 }, 8)).toBe('listed 8 distinct records but the server matched 12');
    expect(finalCheck(startPaging(10), 8)).toBeUndefined();
  });
});
