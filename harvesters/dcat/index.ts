/**
 * The `dcat` harvester: a DCAT catalogue over HTTP (data.gouv.fr's catalog.jsonld, an organisation's
 * catalog.rdf, CKAN's catalog.ttl, GeoNetwork's rdf.search, any DCAT file), in JSON-LD, Turtle or RDF/XML,
 * paged with Hydra. Each dcat:Dataset, dcat:DatasetSeries and dcat:DataService of a page becomes one document:
 * its bounded description as canonical N-Triples (same content, same bytes: the orchestrator diffs by hash),
 * native id = its IRI (or dct:identifier for a blank node). No record is built here (STYLE §5).
 */
import {
  canonicalNTriples,
  describe,
  harvestableRecords,
  nativeIdOf,
  scopeOf,
} from '../../mappings/dcat-ap/describe.ts';
import { DCAT_HEADER, DCAT_STORED_MEDIA_TYPE } from '../../mappings/dcat-ap/stored.ts';
import { detectSyntax, Graph, parseRdf, RdfError, repairIris, type Term } from '../../mappings/dcat-ap/rdf.ts';
import { DCT } from '../../mappings/dcat-ap/vocab.ts';
import {
  HarvestError,
  throwIfAborted,
  type HarvestContext,
  type Harvester,
  type RawDocument,
  type SourceDef,
} from '../types.ts';
import { readHydra, type HydraPaging } from './hydra.ts';
import { followable, pageAfter, pageRequest } from './request.ts';

/** Default cap on pages per run: 10,000 pages of 100 is a million datasets, past any catalogue we harvest. */
export const DEFAULT_MAX_PAGES = 10_000;

/** JSON Schema of `source.options` for a dcat source. */
export const DCAT_OPTIONS_SCHEMA = {
  type: 'object',
  properties: { maxPages: { type: 'integer', minimum: 1, description: 'pages fetched per run at most' } },
} as const;

export function createDcatHarvester(): Harvester {
  return { type: 'dcat', optionsSchema: DCAT_OPTIONS_SCHEMA, harvest: harvestDcat };
}

/** What one run carries from page to page. */
interface Run {
  source: SourceDef;
  ctx: HarvestContext;
  visited: Set<string>;
  /** Native ids yielded so far (a dataset repeated on two pages is yielded once). */
  yielded: Set<string>;
  /** Datasets and series met (yielded or skipped), compared with hydra:totalItems. */
  datasets: number;
  totalItems?: number;
  last?: string;
}

async function* harvestDcat(source: SourceDef, ctx: HarvestContext): AsyncGenerator<RawDocument> {
  const run: Run = { source, ctx, visited: new Set(), yielded: new Set(), datasets: 0 };
  const maxPages = maxPagesOf(source);
  let url: string | undefined = new URL(source.url).href;
  while (url !== undefined) {
    throwIfAborted(ctx.signal);
    if (run.visited.size >= maxPages) {
      ctx.incomplete(`page cap of ${maxPages} reached; ${url} and the pages after it were not fetched`);
      return;
    }
    run.visited.add(url);
    const page = await fetchPage(run, url);
    if (!page) {
      url = afterFailure(run, url);
      continue;
    }
    noteTotals(run, page.paging);
    yield* pageDocuments(run, page.graph, url, page.fetchedAt);
    url = nextOf(run, page.paging, url);
  }
  checkCount(run);
}

function maxPagesOf(source: SourceDef): number {
  const n = Number(source.options?.maxPages);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_PAGES;
}

interface Page {
  graph: Graph;
  paging: HydraPaging;
  fetchedAt: string;
}

/**
 * One page, parsed. The first page failing fails the harvest (HarvestError naming the URL); a later page is
 * skipped with a warning and the run marked incomplete, so that it can never withdraw records.
 */
async function fetchPage(run: Run, url: string): Promise<Page | null> {
  try {
    return await readPage(run, url);
  } catch (err) {
    if (run.visited.size === 1) {
      if (err instanceof HarvestError) throw err;
      throw new HarvestError('source_unreadable', `Cannot harvest ${url}: ${(err as Error).message}`, { cause: err });
    }
    run.ctx.warn({ url, message: `page skipped: ${(err as Error).message}` });
    run.ctx.incomplete(`page ${url} could not be read`);
    return null;
  }
}

async function readPage(run: Run, url: string): Promise<Page> {
  const res = await run.ctx.http.fetch(pageRequest(url, run.ctx.signal));
  const syntax = detectSyntax(res.mediaType, res.body);
  if (syntax === 'html') throw new RdfError(`${url} answered an HTML page (${res.mediaType || 'no content type'}), not RDF`, 'html');
  if (syntax === null) throw new RdfError(`${url} answered ${res.mediaType || 'no content type'}, which is not an RDF syntax`, 'unknown');
  let parsed;
  try {
    parsed = await parseRdf(res.body, syntax, res.url);
  } catch (err) {
    throw err instanceof RdfError ? new RdfError(`${url}: ${err.message}`, err.syntax) : err;
  }
  const { quads, repaired } = repairIris(parsed);
  for (const [from, to] of repaired) run.ctx.warn({ url, message: `invalid IRI <${from}> percent-encoded to <${to}>` });
  const graph = new Graph(quads);
  return { graph, paging: readHydra(graph), fetchedAt: res.fetchedAt };
}

function afterFailure(run: Run, url: string): string | undefined {
  const next = pageAfter(url, run.last);
  return next !== undefined && !run.visited.has(next) ? next : undefined;
}

function noteTotals(run: Run, paging: HydraPaging): void {
  if (paging.last) run.last = paging.last;
  if (paging.totalItems !== undefined && run.totalItems === undefined) {
    run.totalItems = paging.totalItems;
    run.ctx.total = paging.totalItems;
  }
}

function nextOf(run: Run, paging: HydraPaging, url: string): string | undefined {
  if (!paging.next) return undefined;
  const link = followable(paging.next, url, run.source.url, run.visited);
  if ('url' in link) return link.url;
  run.ctx.warn({ url, message: link.refused });
  if (!/already fetched/.test(link.refused)) run.ctx.incomplete(link.refused);
  return undefined;
}

/** The documents of one page, in a stable order (IRIs sorted, then blank nodes). */
async function* pageDocuments(run: Run, graph: Graph, url: string, fetchedAt: string): AsyncGenerator<RawDocument> {
  for (const node of harvestableRecords(graph)) {
    throwIfAborted(run.ctx.signal);
    const scope = scopeOf(graph, node);
    const nativeId = nativeIdOf(graph, node);
    if (nativeId !== undefined && run.yielded.has(nativeId)) {
      run.ctx.warn({ url, message: `${nativeId} listed again on a later page; yielded once` });
      continue;
    }
    if (scope !== 'service') run.datasets++;
    const doc = await documentOf(run, graph, node, nativeId, { url, fetchedAt });
    if (!doc) continue;
    run.yielded.add(doc.nativeId!);
    yield doc;
  }
}

async function documentOf(
  run: Run,
  graph: Graph,
  node: Term,
  nativeId: string | undefined,
  at: { url: string; fetchedAt: string },
): Promise<RawDocument | null> {
  if (nativeId === undefined) {
    const title = graph.objects(node, DCT('title'))[0]?.value;
    const message = `blank-node ${scopeOf(graph, node)} without dct:identifier skipped${title ? ` ("${title}")` : ''}: it has no stable id`;
    run.ctx.warn({ url: at.url, skipped: true, message });
    return null;
  }
  try {
    const nt = await canonicalNTriples(describe(graph, node));
    return { nativeId, bytes: Buffer.from(DCAT_HEADER + nt, 'utf8'), mediaType: DCAT_STORED_MEDIA_TYPE, url: at.url, fetchedAt: at.fetchedAt };
  } catch (err) {
    run.ctx.warn({ url: at.url, skipped: true, message: `${nativeId}: description not serialisable: ${(err as Error).message}` });
    return null;
  }
}

function checkCount(run: Run): void {
  if (run.totalItems !== undefined && run.datasets !== run.totalItems) {
    run.ctx.incomplete(`${run.datasets} datasets listed, hydra:totalItems announced ${run.totalItems}`);
  }
}
