/**
 * GetRecords pages in flight. Reading a page (parsing, and mapping when a worker thread does it) takes about as
 * long as the server takes to answer one; so, once a page's bytes are in and the number of matching records is
 * known, the page after it is asked for at once, speculatively at `start + size`, while this one is read and the
 * one before is stored. Requests stay one at a time (a page is asked only once the previous one's bytes are in),
 * one page at most is asked ahead, and it is kept only if paging then asks for exactly it (same start, same
 * size); otherwise it is aborted and asked again as paging says (a server that returned fewer records than asked,
 * a failed page retried smaller). Nothing is asked past the matched count.
 */
import type { HarvestContext } from '../types.ts';
import { fetchPage, pageRequest, type FetchedPage, type PageRequest } from './fetch.ts';
import type { HarvestPlan } from './plan.ts';

/** A page request in flight: its outcome is kept, never thrown, until the loop takes it. */
export interface InFlight {
  req: PageRequest;
  start: number;
  size: number;
  /** Its bytes are in (being read, or read). */
  fetched: boolean;
  result: Promise<{ page: FetchedPage } | { err: unknown }>;
  abort: () => void;
}

/** The listing loop's page requests (harvesters/csw/index.ts): the page it takes, and the one asked after it. */
export class PageFlights {
  /** The page the loop took last (being read, or its records being yielded). */
  private current: InFlight | undefined;
  /** The page after it, asked ahead once the current one's bytes were in. */
  private next: InFlight | undefined;
  /** The number of matching records, once a page said it: nothing is asked ahead before, nor past it. */
  matched: number | undefined;
  /** How many records the last page read held: where the page after the current one is expected to start. */
  step: number | undefined;
  /** Pages asked ahead that paging did not ask for: after two, nothing more is asked ahead (an erratic server). */
  private misses = 0;

  constructor(private readonly plan: () => HarvestPlan, private readonly ctx: HarvestContext) {}

  /** The page at `start` of `size` records: the one asked ahead when it is that page, else asked now. */
  take(start: number, size: number): InFlight {
    const asked = this.next;
    this.next = undefined;
    if (asked && asked.start === start && asked.size === size) {
      this.current = asked;
    } else {
      if (asked) {
        asked.abort();
        this.misses++;
      }
      this.current = this.ask(start, size);
    }
    this.ahead();
    return this.current;
  }

  /** Aborts what is still asked (paging is done, or the loop stops early); a page already in is not affected. */
  drop(): void {
    this.current?.abort();
    this.next?.abort();
    this.next = undefined;
  }

  private ask(start: number, size: number): InFlight {
    const plan = this.plan();
    const req = pageRequest(plan.method, plan.url, { ...plan.query, startPosition: start, maxRecords: size });
    const own = new AbortController();
    const flight: InFlight = { req, start, size, fetched: false, result: undefined as never, abort: () => own.abort() };
    flight.result = fetchPage(req, start, this.ctx, {
      signal: AbortSignal.any([this.ctx.signal, own.signal]),
      onFetched: () => {
        flight.fetched = true;
        this.ahead();
      },
    }).then((page) => ({ page }), (err: unknown) => ({ err }));
    return flight;
  }

  /**
   * Asks for the page after the current one, once the current one's bytes are in: at the current start plus as
   * many records as the last page held (a server that caps maxRecords below what is asked answers every page
   * short), of the same size. Not while a failed page is asked again smaller.
   */
  private ahead(): void {
    const c = this.current;
    if (!c?.fetched || this.next || this.matched === undefined || !this.step || this.misses >= 2 || this.ctx.signal.aborted) return;
    if (c.size !== this.plan().pageSize) return;
    const start = c.start + Math.min(this.step, c.size);
    if (start <= this.matched) this.next = this.ask(start, c.size);
  }
}
