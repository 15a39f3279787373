/**
 * Run orchestration (DESIGN §2, §6): harvester -> mapping -> store, with counts and one report line per failed or
 * warned record. One bad record never aborts a run; a harvester-level failure ends it as `failed` (nothing
 * processed) or `partial`, and the store keeps every record it had. At the end, the deletion policy
 * (deletion.ts) withdraws the records missing upstream, only after a complete run.
 *
 * Documents are mapped by a DocumentMapper (workers/): by default in worker threads, several at a time, while
 * this thread reads the next ones and writes the previous ones. Whatever the order in which mappings finish,
 * documents and the harvester's warnings are settled (counted, checked for duplicates, reported, stored) one by
 * one in the order the harvester gave them: a run's report is the same wherever it mapped.
 */
import { getHarvester } from '../../harvesters/index.ts';
import type { HarvestContext, HarvestLogger, HarvestWarning } from '../../harvesters/types.ts';
import { createHttpClient, type HttpClient } from '../../harvesters/http.ts';
import type { RawDocument } from '../../mappings/types.ts';
import type { Db } from '../store/db.ts';
import { storedHashes, touchRecords, type UpsertOutcome } from '../store/records.ts';
import { addRunIssues, finishRun, lastCompleteRun, startRun, type RunCounts, type RunIssueRow } from '../store/runs.ts';
import type { SourceDef } from '../store/sources.ts';
import { applyDeletion } from './deletion.ts';
import { contentHash, relativeUrl, settleMapped, type Mapped, type PreparedDocument } from './prepare.ts';
import { createWriteBatch, type WriteBatch } from './batch.ts';
import { emptyCounts, type Progress, type RunReport } from './report.ts';
import { documentMapper, type DocumentMapper, type MappingPlace } from './workers/index.ts';

export type { Progress, RunReport } from './report.ts';

export interface RunOptions {
  /** Write nothing; report what would be new / changed / unchanged against the stored content hashes. */
  dryRun?: boolean;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  now?: () => Date;
  log?: HarvestLogger;
  /** HTTP client for the harvester; by default one per run, limited by the source's `options.rateLimit`. */
  http?: HttpClient;
  /** Called once the run row exists (not in a dry run): the scheduler records it on the job it leases. */
  onRunStart?: (runId: number) => void | Promise<void>;
  /** Where documents are mapped: worker threads or this thread; by default HARVEST_WORKERS decides (workers/). */
  mapping?: MappingPlace;
}

/** Unchanged documents are marked as seen in batches of this size. */
const TOUCH_BATCH = 500;
/** Report lines are stored in batches of this size. */
const ISSUE_BATCH = 500;

interface RunState {
  db: Db;
  source: SourceDef;
  runId: number | null;
  dryRun: boolean;
  now: () => Date;
  counts: RunCounts;
  lines: RunIssueRow[];
  /** Native id -> content hash of the records the store holds for this source, read once at the start. */
  stored: Map<string, string>;
  /** The reverse: content hash -> native id, null when several stored records share the hash. */
  byHash: Map<string, string | null>;
  /** Native id -> url of the first document that carried it in this run. */
  firstSeen: Map<string, string>;
  /** Unchanged native ids waiting for touchRecords. */
  touch: string[];
  /** Why the harvester says its listing is not the whole catalogue (ctx.incomplete). */
  incompleteReasons: string[];
  /** Documents mapped and waiting for their batched write. */
  writes: WriteBatch;
  mapper: DocumentMapper;
  /** Documents handed to the mapper and harvester warnings, waiting for their turn (at most mapper.window). */
  pending: Pending[];
  ctx: HarvestContext;
}

/**
 * A document waiting for its turn, with its mapping under way; none when it looked unchanged as it came (its
 * turn checks again, see settleDocument). Or a harvester warning given while documents were waiting.
 */
type Pending = { raw: RawDocument; hash: string; mapped?: Promise<Mapped> } | { event: () => void };

/** Harvests one source into the store (or not, in a dry run) and returns the run report. */
export async function runHarvest(db: Db, source: SourceDef, opts: RunOptions = {}): Promise<RunReport> {
  const harvester = getHarvester(source.type);
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const dryRun = opts.dryRun === true;
  // Read before the run row exists: a store that fails here leaves no run stuck in 'running'.
  const stored = await storedHashes(db, source.id);
  const since = dryRun || source.options?.incremental === false ? undefined : (await lastCompleteRun(db, source.id))?.startedAt;
  const runId = dryRun ? null : await startRun(db, source.id, { at: startedAt });
  const st = newState({ db, source, runId, dryRun, now, stored }, opts, since);
  let error: string | undefined;
  try {
    st.mapper.start();
    if (runId !== null) await opts.onRunStart?.(runId);
    for await (const raw of harvester.harvest(source, st.ctx)) await intake(st, raw, opts);
    await drain(st, opts);
    await st.writes.flush();
    // Writes are batched: one last event gives the final new / changed counts.
    progress(st, opts.onProgress);
    await flushTouches(st, true);
  } catch (err) {
    error = (err as Error).message;
    opts.log?.warn({ err, source: source.id }, 'harvest stopped');
    // What was read before the failure is still settled and written: a partial run keeps every record it got.
    // A cancelled run stops at once: the documents still waiting are dropped, uncounted.
    if (opts.signal?.aborted) dropPending(st);
    else await drain(st, opts).catch((e: unknown) => opts.log?.error({ err: e }, 'settling documents failed'));
    await st.writes.flush().catch((e: unknown) => opts.log?.error({ err: e }, 'batched write failed'));
    await flushTouches(st, true).catch((e: unknown) => opts.log?.error({ err: e }, 'touchRecords failed'));
  }
  return finish(st, startedAt, error);
}

function newState(base: Pick<RunState, 'db' | 'source' | 'runId' | 'dryRun' | 'now' | 'stored'>, opts: RunOptions, since?: Date): RunState {
  const mapper = documentMapper(opts.mapping);
  const workers = mapper.workers(base.source);
  const st: RunState = {
    ...base,
    byHash: reverse(base.stored),
    counts: emptyCounts(),
    lines: [],
    firstSeen: new Map(),
    touch: [],
    incompleteReasons: [],
    writes: undefined as unknown as WriteBatch,
    mapper,
    pending: [],
    ctx: {
      ...(since ? { since } : {}),
      stored: base.stored.size,
      ...(workers ? { workers } : {}),
      incomplete: (reason) => inTurn(st, () => {
        st.incompleteReasons.push(reason);
        st.lines.push({ nativeId: null, url: null, severity: 'warning', path: '/', message: `listing incomplete: ${reason}` });
      }),
      signal: opts.signal ?? new AbortController().signal,
      log: opts.log,
      http: opts.http ?? clientFor(base.source),
      warn: (w) => inTurn(st, () => harvestWarning(st, w, opts.onProgress)),
    },
  };
  st.writes = createWriteBatch(base.db, { sourceId: base.source.id, runId: base.runId, now: base.now }, {
    stored: (w, outcome) => counted(st, w.doc, outcome),
    failed: (w, err) => {
      st.counts.failed++;
      st.lines.push(...w.doc.lines, storeErrorLine(w.doc, w.raw, err));
    },
  });
  return st;
}

/** Counts a document whose fate is known, with its mapping lines. */
function counted(st: RunState, doc: PreparedDocument, outcome: UpsertOutcome): void {
  st.counts[outcome]++;
  st.lines.push(...doc.lines);
  if (doc.lines.length > 0) st.counts.warned++;
}

/** The source's politeness settings (options.rateLimit in requests/s) over the default policy. */
function clientFor(source: SourceDef): HttpClient {
  const rate = Number(source.options?.rateLimit);
  return createHttpClient(Number.isFinite(rate) && rate > 0 ? { ratePerSecond: rate } : {});
}

function reverse(stored: Map<string, string>): Map<string, string | null> {
  const byHash = new Map<string, string | null>();
  for (const [nativeId, hash] of stored) byHash.set(hash, byHash.has(hash) ? null : nativeId);
  return byHash;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('Harvest aborted', { cause: signal.reason });
}

/** A harvester-level warning: a skipped document counts as seen and failed, anything else is a line. */
function harvestWarning(st: RunState, w: HarvestWarning, onProgress: RunOptions['onProgress']): void {
  const nativeId = w.skipped && w.url ? relativeUrl(st.source.url, w.url) : null;
  st.lines.push({ nativeId, url: w.url ?? null, severity: w.skipped ? 'error' : 'warning', path: '/', message: w.message });
  if (!w.skipped) return;
  st.counts.seen++;
  st.counts.failed++;
  progress(st, onProgress);
}

/** A harvester warning now, or after the documents it came after when some are still waiting. */
function inTurn(st: RunState, event: () => void): void {
  if (st.pending.length === 0) event();
  else st.pending.push({ event });
}

/**
 * Takes one document from the harvester: hashed, and handed to the mapper unless the store already holds these
 * exact bytes; then the oldest documents are settled while more than the mapper's window are waiting.
 */
async function intake(st: RunState, raw: RawDocument, opts: RunOptions): Promise<void> {
  const hash = contentHash(raw.bytes);
  st.pending.push(unchangedId(st, raw, hash) === undefined ? { raw, hash, mapped: mapOne(st, raw) } : { raw, hash });
  delete raw.prepared;
  while (st.pending.length >= st.mapper.window) await settleNext(st, opts);
}

function mapOne(st: RunState, raw: RawDocument): Promise<Mapped> {
  // Mapped where it was read (HarvestContext.workers): the worker ran mapForStore, as st.mapper would.
  const mapped = raw.prepared ? Promise.resolve(raw.prepared as Mapped) : st.mapper.map(raw, st.source);
  // The harvester's tree (RawDocument.parsed) is not needed once handed over (an in-thread mapping has read it
  // by now): not kept while the document waits for its turn and its write.
  delete raw.parsed;
  return mapped;
}

async function drain(st: RunState, opts: RunOptions): Promise<void> {
  while (st.pending.length > 0) await settleNext(st, opts);
}

/** A cancelled run: waiting documents are dropped (their mappings still finish, unread); warnings are kept. */
function dropPending(st: RunState): void {
  for (const p of st.pending.splice(0)) {
    if ('event' in p) p.event();
    else void p.mapped?.catch(() => undefined);
  }
}

/** Settles the oldest waiting document or warning; progress and cancellation are checked after each document. */
async function settleNext(st: RunState, opts: RunOptions): Promise<void> {
  const next = st.pending.shift()!;
  if ('event' in next) return next.event();
  await settleDocument(st, next.raw, next.hash, next.mapped);
  progress(st, opts.onProgress);
  throwIfCancelled(opts.signal);
}

/**
 * A document's turn. One that looked unchanged when it came is checked again: a document with the same native
 * id settled since then makes it a duplicate, mapped now (the check can only turn from unchanged to not, since
 * `firstSeen` only grows: a document handed to the mapper needs no second look).
 */
async function settleDocument(st: RunState, raw: RawDocument, hash: string, mapped: Promise<Mapped> | undefined): Promise<void> {
  st.counts.seen++;
  const knownId = mapped ? undefined : unchangedId(st, raw, hash);
  if (knownId !== undefined) {
    st.firstSeen.set(knownId, raw.url);
    if (!st.dryRun) await queueTouch(st, knownId);
    st.counts.unchanged++;
    return;
  }
  const prepared = settleMapped(await (mapped ?? mapOne(st, raw)), raw.url, st.firstSeen, hash);
  if (!prepared.ok) {
    st.counts.failed++;
    st.lines.push(...prepared.lines);
    return;
  }
  const { doc } = prepared;
  const outcome = await store(st, doc, raw);
  if (outcome !== 'queued') counted(st, doc, outcome);
}

/**
 * The native id of a document whose exact bytes the store already holds, so that it is counted unchanged without
 * being mapped again (re-harvests of large catalogues are mostly that: DESIGN §10 asks 100k in 60 s). The
 * harvester's native id must match when it gives one; otherwise the hash must point at a single stored record,
 * not yet seen in this run (a second copy goes the long way and fails as a duplicate). Consequence: the
 * mapping's warnings for an unchanged record are in the run that stored it, not repeated in later runs.
 */
function unchangedId(st: RunState, raw: RawDocument, hash: string): string | undefined {
  const id = raw.nativeId ?? st.byHash.get(hash) ?? undefined;
  if (id === undefined || st.firstSeen.has(id)) return undefined;
  return st.stored.get(id) === hash ? id : undefined;
}

function storeErrorLine(doc: PreparedDocument, raw: RawDocument, err: unknown): RunIssueRow {
  return { nativeId: doc.nativeId, url: raw.url, severity: 'error', path: '/', message: `store error: ${(err as Error).message}` };
}

/**
 * Decides new / changed / unchanged against the hashes read at the start; unchanged documents are only touched
 * (no write, no history, no outbox row), the others are queued for the batched write (batch.ts), whose answer
 * is authoritative.
 */
async function store(st: RunState, doc: PreparedDocument, raw: RawDocument): Promise<UpsertOutcome | 'queued'> {
  const known = st.stored.get(doc.nativeId);
  if (known === doc.contentHash) {
    if (!st.dryRun) await queueTouch(st, doc.nativeId);
    return 'unchanged';
  }
  if (st.dryRun) return known === undefined ? 'new' : 'changed';
  await st.writes.add({ doc, raw });
  return 'queued';
}

async function queueTouch(st: RunState, nativeId: string): Promise<void> {
  st.touch.push(nativeId);
  await flushTouches(st, false);
}

async function flushTouches(st: RunState, all: boolean): Promise<void> {
  if (st.touch.length === 0 || (!all && st.touch.length < TOUCH_BATCH)) return;
  const batch = st.touch.splice(0, st.touch.length);
  await touchRecords(st.db, st.source.id, batch, st.now());
}

function progress(st: RunState, onProgress: RunOptions['onProgress']): void {
  if (!onProgress) return;
  const { seen, changed, unchanged, failed } = st.counts;
  onProgress({ seen, new: st.counts.new, changed, unchanged, failed, ...(st.ctx.total === undefined ? {} : { total: st.ctx.total }) });
}

/**
 * The deletion policy, after the last touch and before the report is stored: withdrawn records (or, in a dry
 * run, those that would be) are counted and listed, and a run that withdraws nothing says why. A store error
 * here is a report line, not a failed run: every document was already processed.
 */
async function withdrawMissing(
  st: RunState,
  run: { startedAt: Date; status: RunReport['status']; complete: boolean; error?: string },
): Promise<void> {
  try {
    const { withdrawn, lines } = await applyDeletion(st.db, {
      ...run, source: st.source, runId: st.runId, dryRun: st.dryRun, incremental: st.ctx.incremental === true,
      incompleteReasons: st.incompleteReasons, stored: st.stored, seen: st.firstSeen, lines: st.lines, at: st.now(),
    });
    st.counts.withdrawn = withdrawn.length;
    st.lines.push(...lines);
  } catch (err) {
    st.lines.push({ nativeId: null, url: null, severity: 'error', path: '/', message: `withdrawal failed: ${(err as Error).message}` });
  }
}

/** Stores the lines and the final status (unless dry run) and builds the report. */
async function finish(st: RunState, startedAt: Date, error: string | undefined): Promise<RunReport> {
  const finished = error === undefined;
  // Complete = the whole catalogue was listed: the harvester went to its end, said nothing was missing, and did
  // not filter by modification date. Only such a run may ever withdraw records.
  const complete = finished && st.incompleteReasons.length === 0 && !st.ctx.incremental;
  const status = finished ? 'succeeded' : st.counts.seen > 0 ? 'partial' : 'failed';
  await withdrawMissing(st, { startedAt, status, complete, error });
  if (st.runId !== null) {
    for (let i = 0; i < st.lines.length; i += ISSUE_BATCH) {
      await addRunIssues(st.db, st.runId, st.lines.slice(i, i + ISSUE_BATCH));
    }
    await finishRun(st.db, st.runId, { status, counts: st.counts, error: error ?? null, complete, at: st.now() });
  }
  const finishedAt = st.now();
  return {
    runId: st.runId,
    sourceId: st.source.id,
    status,
    complete,
    incremental: st.ctx.incremental === true,
    dryRun: st.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    counts: st.counts,
    lines: st.lines,
    ...(error === undefined ? {} : { error }),
  };
}
