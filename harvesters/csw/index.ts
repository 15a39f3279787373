/**
 * The `csw` harvester (CSW 2.0.2, OGC 07-006r1): GetCapabilities first, then GetRecords pages of full records
 * (ISO 19139 when offered, Dublin Core otherwise; never one GetRecordById per record), each record yielded as a
 * standalone document. Paging follows paging.ts (nextRecord is a hint only; failed pages are retried smaller,
 * then skipped and reported); the listing is filtered on the modification date when the run is incremental and
 * the server can do it. `source.options`: pageSize, outputSchema, constraint (CQL_TEXT, or an OGC Filter 1.1
 * fragment when it starts with '<'), sort (false disables SortBy), rateLimit (read by the orchestrator).
 */
import type { RawDocument } from '../../mappings/types.ts';
import { FetchError } from '../http.ts';
import { HarvestError, throwIfAborted, type HarvestContext, type Harvester, type SourceDef } from '../types.ts';
import { fetchCapabilities, reasonOf, retryable, toHarvestError, type FetchedPage, type PageRequest } from './fetch.ts';
import { PageFlights, type InFlight } from './flights.ts';
import { afterFailure, afterPage, finalCheck, startPaging, type Paging } from './paging.ts';
import { planHarvest, type CswOptions, type HarvestPlan } from './plan.ts';
import { endpointBase, parseSourceConstraint } from './requests.ts';
import { CswResponseError, recordDocument, recordId } from './responses.ts';

export { parseCapabilities, type CswCapabilities } from './capabilities.ts';
export { planHarvest, type HarvestPlan } from './plan.ts';

/** JSON Schema of `source.options` for a csw source. */
export const CSW_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    pageSize: { type: 'integer', minimum: 1, maximum: 1000, description: 'records per GetRecords page (default 100)' },
    outputSchema: {
      type: 'string',
      enum: ['http://www.isotc211.org/2005/gmd', 'http://www.opengis.net/cat/csw/2.0.2', 'http://www.w3.org/ns/dcat#'],
      description: 'force an output schema (default: ISO 19139 when offered, else Dublin Core)',
    },
    constraint: { type: 'string', description: 'CQL_TEXT, or an OGC Filter 1.1 fragment (ogc:Filter or one operator) when it starts with "<"' },
    sort: { type: 'boolean', description: 'false: never send SortBy' },
  },
} as const;

/** Consecutive failed requests after which the server is deemed down and the harvest ends (partial). */
const MAX_CONSECUTIVE_FAILURES = 12;

export function createCswHarvester(): Harvester {
  return { type: 'csw', optionsSchema: CSW_OPTIONS_SCHEMA, harvest: harvestCsw };
}

async function* harvestCsw(source: SourceDef, ctx: HarvestContext): AsyncGenerator<RawDocument> {
  const options = readOptions(source);
  const endpoint = endpointOf(source);
  const caps = await fetchCapabilities(endpoint, ctx);
  let plan: HarvestPlan;
  try {
    plan = planHarvest(endpoint, caps, options, ctx.since);
  } catch (err) {
    throw new HarvestError('invalid_source', `Source ${source.id}: ${reasonOf(err)}`, { cause: err });
  }
  for (const note of plan.notes) ctx.log?.info({ source: source.id }, note);
  if (plan.incremental) ctx.incremental = true;
  yield* listRecords(plan, ctx);
}

function endpointOf(source: SourceDef): string {
  try {
    return endpointBase(source.url);
  } catch (err) {
    throw new HarvestError('invalid_source', `Source ${source.id}: "${source.url}" is not a URL`, { cause: err });
  }
}

/** The options this harvester reads, checked (the source schema already bounds them when sources are validated). */
export function readOptions(source: SourceDef): CswOptions {
  const o = source.options ?? {};
  const out: CswOptions = {};
  const fail = (message: string): never => {
    throw new HarvestError('invalid_source', `Source ${source.id}: ${message}`);
  };
  if (o.pageSize !== undefined) {
    if (!Number.isInteger(o.pageSize) || (o.pageSize as number) < 1) fail('options.pageSize must be a positive integer');
    out.pageSize = Math.min(o.pageSize as number, 1000);
  }
  if (o.outputSchema !== undefined) out.outputSchema = String(o.outputSchema);
  if (o.sort === false) out.sort = false;
  if (typeof o.constraint === 'string' && o.constraint.trim()) {
    try {
      out.constraint = parseSourceConstraint(o.constraint);
    } catch (err) {
      fail(`options.constraint: ${reasonOf(err)}`);
    }
  }
  return out;
}

/** What the listing loop carries from page to page. */
interface Listing {
  plan: HarvestPlan;
  paging: Paging;
  /** Identifiers yielded in this run: a record repeated by a later page is yielded once. */
  seen: Set<string>;
  duplicates: number;
  yielded: number;
  skipped: number;
  /** No page read yet: failures of the first request are judged more strictly. */
  first: boolean;
  failures: number;
}

/**
 * The paging loop. The next page is asked for as soon as this one is read, before its records are yielded, and
 * the one after it as soon as the next one's bytes are in (flights.ts): the server prepares a page while this
 * process reads one and stores another.
 */
async function* listRecords(plan: HarvestPlan, ctx: HarvestContext): AsyncGenerator<RawDocument> {
  const l: Listing = { plan, paging: startPaging(plan.pageSize), seen: new Set(), duplicates: 0, yielded: 0, skipped: 0, first: true, failures: 0 };
  const flights = new PageFlights(() => l.plan, ctx);
  let next: InFlight | undefined;
  try {
    while (!l.paging.done) {
      throwIfAborted(ctx.signal);
      const current = next ?? flights.take(l.paging.start, l.paging.size);
      next = undefined;
      const outcome = await current.result;
      if ('err' in outcome) {
        onFailure(l, outcome.err, current.req, ctx);
        continue;
      }
      const { page } = outcome;
      l.first = false;
      l.failures = 0;
      l.paging = afterPage(l.paging, { matched: page.matched, nextRecord: page.nextRecord, count: page.records.length });
      if (l.paging.matched !== undefined) ctx.total = flights.matched = l.paging.matched;
      flights.step = page.records.length;
      report(l.paging, ctx, current.req.url);
      if (!l.paging.done && !ctx.signal.aborted) next = flights.take(l.paging.start, l.paging.size);
      yield* pageDocuments(l, page, current.req, current.start);
    }
  } finally {
    flights.drop();
  }
  finish(l, ctx);
}

function* pageDocuments(l: Listing, page: FetchedPage, req: PageRequest, start: number): Generator<RawDocument> {
  for (const [i, record] of page.records.entries()) {
    const id = recordId(record);
    if (id !== undefined) {
      if (l.seen.has(id)) {
        l.duplicates++;
        continue;
      }
      l.seen.add(id);
    }
    l.yielded++;
    yield recordDocument(record, id, req.url, page.fetchedAt, start + i);
  }
}

/**
 * A failed page: the first request may end the harvest (refused, or a server that never answers one record);
 * otherwise the page is asked again smaller, and a single record that still fails is skipped and reported.
 */
function onFailure(l: Listing, err: unknown, req: PageRequest, ctx: HarvestContext): void {
  if (!(err instanceof FetchError || err instanceof CswResponseError) || err instanceof FetchError && err.code === 'aborted') {
    throw toHarvestError(err, req.url, 'GetRecords');
  }
  if (l.first && !retryable(err, true)) {
    if (dropSort(l, err, ctx)) return;
    throw toHarvestError(err, req.url, 'GetRecords');
  }
  l.failures++;
  if (l.failures > MAX_CONSECUTIVE_FAILURES || (l.first && l.paging.size === 1)) {
    throw toHarvestError(err, req.url, `GetRecords (${l.failures} failed requests in a row)`);
  }
  const before = l.paging.size;
  l.paging = afterFailure(l.paging, reasonOf(err));
  if (before === 1) {
    l.skipped++;
    ctx.warn({ message: `GetRecords record at startPosition ${l.paging.start - 1} skipped: ${reasonOf(err)}`, url: `${req.url}#startPosition=${l.paging.start - 1}`, skipped: true });
  }
  report(l.paging, ctx, req.url);
}

/** A server that refuses the first page may refuse the SortBy (not every CSW sorts): asked again without it. */
function dropSort(l: Listing, err: unknown, ctx: HarvestContext): boolean {
  if (!(err instanceof CswResponseError && err.kind === 'exception') || !l.plan.query.sortBy) return false;
  ctx.warn({ message: `GetRecords with SortBy ${l.plan.query.sortBy} refused (${err.message}): paging without a stable sort` });
  const { sortBy: _dropped, ...query } = l.plan.query;
  l.plan = { ...l.plan, query };
  return true;
}

function report(p: Paging, ctx: HarvestContext, url: string): void {
  for (const message of p.warnings) ctx.warn({ message, url });
  for (const reason of p.incomplete) ctx.incomplete(reason);
}

function finish(l: Listing, ctx: HarvestContext): void {
  if (l.duplicates > 0) ctx.warn({ message: `${l.duplicates} records repeated by later pages were yielded once` });
  const missing = finalCheck(l.paging, l.yielded + l.skipped);
  // Skipped records were already reported as incomplete, one by one.
  if (missing && l.skipped === 0) ctx.incomplete(missing);
  if (l.paging.firstMatched !== undefined && l.paging.matched !== l.paging.firstMatched && !missing) {
    ctx.incomplete(`numberOfRecordsMatched changed from ${l.paging.firstMatched} to ${l.paging.matched} during the harvest`);
  }
}
