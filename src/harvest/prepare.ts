/**
 * One harvested document made ready for the store, without touching it: mapping, native id, provenance,
 * JSON Schema validation. Pure apart from the mapping registry (itself pure); every problem becomes a report
 * line, nothing is thrown (STYLE §7: one bad record never aborts a run). Split in two so that the costly part
 * (mapForStore) can run in a worker thread while the part that depends on the run's order (settleMapped) stays
 * in the orchestrator.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAPPING_VERSION, mapDocument } from '../../mappings/index.ts';
import { MappingError, type MappingIssue, type MappingResult, type MdRecord, type RawDocument } from '../../mappings/types.ts';
import { validate } from '../schemas.ts';
import { ownStrings, recordText, type RecordText } from '../store/record-text.ts';
import type { RunIssueRow } from '../store/runs.ts';
import type { SourceDef } from '../store/sources.ts';

export interface PreparedDocument {
  nativeId: string;
  record: RecordText;
  contentHash: string;
  /** Warnings (and non-fatal errors) the mapping reported; the record is still stored. */
  lines: RunIssueRow[];
}

export type Preparation = { ok: true; doc: PreparedDocument } | { ok: false; lines: RunIssueRow[] };

/**
 * The change detector (DESIGN §6, "always diff by content hash"): sha256 hex of the mapping version and the
 * original bytes. Folding MAPPING_VERSION in means that after a mapping fix the next harvest re-maps every
 * stored document (they all come out `changed`), instead of keeping records built by the old mapping.
 */
export function contentHash(bytes: Buffer): string {
  return createHash('sha256').update(`moisson-mapping/${MAPPING_VERSION}\n`).update(bytes).digest('hex');
}

/** What the pure part of a preparation needs of the source (all of it crosses to a mapping worker). */
export type SourceRef = Pick<SourceDef, 'id' | 'url'>;

/**
 * The pure part of a preparation (mapping/pool.ts runs it in a worker thread): the mapping, the native id, the
 * provenance and the schema check. `problems` are the schema's lines: whether they fail the document is decided
 * in order, by settleMapped, after the duplicate check.
 */
export type Mapped =
  | { ok: true; nativeId: string; record: RecordText; lines: RunIssueRow[]; problems: RunIssueRow[] }
  | { ok: false; lines: RunIssueRow[] };

/**
 * Maps one document and checks the record against the record schema; every problem is a line, nothing throws.
 * The record comes out as its JSON text (RecordText): from here to its write it is one string, not a graph.
 */
export function mapForStore(raw: RawDocument, source: SourceRef): Mapped {
  const mapped = tryMap(raw);
  if (Array.isArray(mapped)) return { ok: false, lines: ownStrings(mapped) };
  const record = mapped.record;
  const nativeId = raw.nativeId ?? record.identifier ?? relativeUrl(source.url, raw.url);
  const line = (severity: RunIssueRow['severity'], path: string, message: string): RunIssueRow =>
    ({ nativeId, url: raw.url, severity, path, message });
  record.provenance = { sourceId: source.id, nativeId, harvestedAt: raw.fetchedAt, mediaType: raw.mediaType, url: raw.url };
  const lines = mapped.issues.map((i: MappingIssue) => line(i.severity, i.path, i.message));
  const problems = validate('record', record).map((p) => line('error', p.path, `record does not match the record schema: ${p.message}`));
  return { ok: true, ...ownStrings({ nativeId, lines, problems }), record: recordText(record) };
}

/**
 * The part of a preparation that depends on the run's order: a second document with the same native id is
 * failed as a duplicate (`firstSeen`, native id -> url of the first document with it in this run, is updated
 * here), then a record with schema problems is failed with them.
 */
export function settleMapped(mapped: Mapped, url: string, firstSeen: Map<string, string>, hash: string): Preparation {
  if (!mapped.ok) return mapped;
  const { nativeId, record, lines, problems } = mapped;
  const first = firstSeen.get(nativeId);
  if (first !== undefined) {
    return { ok: false, lines: [{ nativeId, url, severity: 'error', path: '/', message: `duplicate identifier, first seen in ${first}` }] };
  }
  firstSeen.set(nativeId, url);
  if (problems.length > 0) return { ok: false, lines: [...lines, ...problems] };
  return { ok: true, doc: { nativeId, record, contentHash: hash, lines } };
}

/** Maps and checks one document whose bytes hash to `hash`, in this thread (mapForStore, then settleMapped). */
export function prepareDocument(raw: RawDocument, source: SourceRef, firstSeen: Map<string, string>, hash: string): Preparation {
  return settleMapped(mapForStore(raw, source), raw.url, firstSeen, hash);
}

/** The mapping result, or the report lines saying why there is none. */
function tryMap(raw: RawDocument): MappingResult | RunIssueRow[] {
  try {
    return mapDocument(raw);
  } catch (err) {
    const path = err instanceof MappingError ? err.path : '/';
    const message = err instanceof MappingError ? err.message : `mapping failed: ${(err as Error).message}`;
    return [{ nativeId: raw.nativeId ?? null, url: raw.url, severity: 'error', path, message }];
  }
}

/**
 * `docUrl` relative to the source's base (a folder path, a file:// or an http URL), percent-decoded; the URL
 * itself when it is not under the base. Used as the native id of a document without an identifier.
 */
export function relativeUrl(sourceUrl: string, docUrl: string): string {
  const base = baseUrl(sourceUrl);
  if (!docUrl.startsWith(base) || docUrl.length === base.length) return docUrl;
  const rest = docUrl.slice(base.length);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

function baseUrl(sourceUrl: string): string {
  if (/^https?:\/\//i.test(sourceUrl)) return new URL(sourceUrl).href;
  // Same normalisation as the directory harvester, so that its file:// URLs share this prefix.
  const href = pathToFileURL(sourceUrl.startsWith('file:') ? fileURLToPath(sourceUrl) : sourceUrl).href;
  return href.endsWith('/') ? href : `${href}/`;
}
