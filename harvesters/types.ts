/**
 * The harvester contract (DESIGN §2, STYLE §5): a harvester only talks to the remote and yields raw documents.
 * It never builds a record and never touches the store; mapping and storing belong to src/harvest/run.ts.
 */
import type { RawDocument } from '../mappings/types.ts';
import type { SourceDef } from '../src/store/sources.ts';
import type { RecordsPage } from './csw/split.ts';
import type { HttpClient } from './http.ts';

export type { RawDocument, SourceDef };

/** A pino-compatible subset: any pino logger fits, and so does `console`. */
export interface HarvestLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/**
 * A problem at the level of the harvest, not of one mapped record: a file skipped because it is too big,
 * a symlink leaving the folder, a page retried. `skipped` marks a document that exists upstream but was not
 * yielded: the orchestrator counts it as seen and failed, so the report never hides it.
 */
export interface HarvestWarning {
  message: string;
  url?: string;
  skipped?: boolean;
}

/** What the orchestrator hands to a harvester for one run. */
export interface HarvestContext {
  /** Aborting stops the harvest: the harvester throws a HarvestError with code `aborted`. */
  readonly signal: AbortSignal;
  readonly log?: HarvestLogger;
  /** The only way a harvester reaches the network: limits, retries and per-host politeness (harvesters/http.ts). */
  readonly http: HttpClient;
  warn(warning: HarvestWarning): void;
  /** Set by the harvester once it knows how many documents it will yield (progress hint only). */
  total?: number;
  /**
   * Start of this source's last complete run, when there is one and the source allows incremental harvests
   * (`options.incremental !== false`). A harvester that can filter on modification dates asks only for what
   * changed since then (minus a safety margin) and sets `incremental`; one that cannot ignores it.
   */
  readonly since?: Date;
  /**
   * How many records of this source the store held when the run started (0 on a first harvest). A harvester
   * that can prepare documents for the mapping at some cost while it reads them (the CSW page splitter builds
   * record trees) does so when most documents will be new, and not when most will come back unchanged and
   * never be mapped.
   */
  readonly stored?: number;
  /**
   * Lent by the orchestrator's mapper (src/harvest/workers): where a harvester would build trees, it has its page
   * read by the mapper instead, which maps each record as soon as its tree is built and drops the tree, in a
   * worker thread when one is free, else in this thread. A tree cannot follow its document to a worker (copying
   * it costs more than parsing again), and a page of trees kept until its records are mapped costs tens of MB.
   */
  readonly workers?: PageWorkers;
  /** Set by the harvester when its listing was filtered by `since`: such a run lists only part of the catalogue. */
  incremental?: boolean;
  /**
   * Says that the listing is not the whole catalogue although the harvest went to its end (a page skipped,
   * counts that disagree, a server that lied about paging). The run is then not `complete`, so it can never
   * withdraw records; the reason is reported.
   */
  incomplete(reason: string): void;
}

/** What a harvester may have the mapping do as it reads (HarvestContext.workers). */
export interface PageWorkers {
  /**
   * Splits a CSW GetRecords page with its record trees (csw/split.ts), in a worker thread or this one, and maps
   * each record on its tree: the records come back as bytes, each with its mapping for the orchestrator
   * (PageRecord.prepared). Undefined when the split declines the page: the harvester then reads it itself.
   */
  cswGetRecords(body: Buffer, at: PageAt): Promise<RecordsPage | undefined>;
}

/** Where a page's records come from: what their documents' URLs and positions are made of. */
export interface PageAt {
  requestUrl: string;
  fetchedAt: string;
  /** Position of the page's first record (startPosition). */
  start: number;
}

/** The plugin contract: one per source type (harvesters/index.ts). */
export interface Harvester {
  readonly type: string;
  /** JSON Schema fragment for `source.options` of this type (STYLE §4: the plugin brings its config schema). */
  readonly optionsSchema?: Readonly<Record<string, unknown>>;
  harvest(source: SourceDef, ctx: HarvestContext): AsyncIterable<RawDocument>;
}

export type HarvestErrorCode = 'source_not_found' | 'source_unreadable' | 'invalid_source' | 'aborted';

/**
 * A failure of the whole harvest (folder missing, network down, aborted). Per-document problems are not
 * HarvestErrors: they are yielded as documents that the mapping rejects, or reported with `ctx.warn`.
 */
export class HarvestError extends Error {
  constructor(
    readonly code: HarvestErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'HarvestError';
  }
}

/** Throws HarvestError('aborted') when the run was cancelled; harvesters call it between documents. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new HarvestError('aborted', 'Harvest aborted', { cause: signal.reason });
}
