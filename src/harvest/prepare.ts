/**
 * One harvested document made ready for the store, without touching it: mapping, native id, provenance,
 * JSON Schema validation. Pure apart from the mapping registry (itself pure); every problem becomes a report
 * line, nothing is thrown (STYLE §7: one bad record never aborts a run).
 */
import { createHash } from 'node:crypto';
import { MAPPING_VERSION } from '../../mappings/index.ts';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mapDocument } from '../../mappings/index.ts';
import { MappingError, type MappingIssue, type MappingResult, type MdRecord, type RawDocument } from '../../mappings/types.ts';
import { validate } from '../schemas.ts';
import type { RunIssueRow } from '../store/runs.ts';
import type { SourceDef } from '../store/sources.ts';

export interface PreparedDocument {
  nativeId: string;
  record: MdRecord;
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

/**
 * Maps and checks one document whose bytes hash to `hash`. `firstSeen` (native id -> url of the first document with it in this run) is
 * updated here, so that a second document with the same id is failed as a duplicate.
 */
export function prepareDocument(raw: RawDocument, source: SourceDef, firstSeen: Map<string, string>, hash: string): Preparation {
  const mapped = tryMap(raw);
  if (Array.isArray(mapped)) return { ok: false, lines: mapped };
  const record = mapped.record;
  const nativeId = raw.nativeId ?? record.identifier ?? relativeUrl(source.url, raw.url);
  const line = (severity: RunIssueRow['severity'], path: string, message: string): RunIssueRow =>
    ({ nativeId, url: raw.url, severity, path, message });
  const first = firstSeen.get(nativeId);
  if (first !== undefined) return { ok: false, lines: [line('error', '/', `duplicate identifier, first seen in ${first}`)] };
  firstSeen.set(nativeId, raw.url);
  record.provenance = { sourceId: source.id, nativeId, harvestedAt: raw.fetchedAt, mediaType: raw.mediaType, url: raw.url };
  const mappingLines = mapped.issues.map((i: MappingIssue) => line(i.severity, i.path, i.message));
  const problems = validate('record', record);
  if (problems.length > 0) {
    const schemaLines = problems.map((p) => line('error', p.path, `record does not match the record schema: ${p.message}`));
    return { ok: false, lines: [...mappingLines, ...schemaLines] };
  }
  return { ok: true, doc: { nativeId, record, contentHash: hash, lines: mappingLines } };
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
