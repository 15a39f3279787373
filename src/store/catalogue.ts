/**
 * The catalogue (migration 005): what CSW, DCAT and OGC API - Records publish. One row per resource (the
 * preferred visible record of its group), one column per queryable (mappings/queryables.ts), written by the
 * index sync (src/search/indexer.ts, through catalogue-write.ts) and read here with filters compiled by src/publish/filter/sql.ts.
 */
import type { BoundingBox, MdRecord } from '../../mappings/types.ts';
import { LRUCache } from 'lru-cache';
import { inflatePiece } from '../http/gzip-stitch.ts';
import type { Db } from './db.ts';

export {
  packCatalogueIso, removeFromCatalogue, sweepCatalogue, writeCatalogue, type CatalogueEntry,
} from './catalogue-write.ts';

/** The catalogue's generation: it changes with every write, so anything derived from a query may be cached. */
export async function catalogueGeneration(db: Db): Promise<number> {
  const r = await db.query<{ generation: number }>('SELECT generation FROM catalogue_state');
  return Number(r.rows[0]?.generation ?? 0);
}

// ---- Reading -------------------------------------------------------------------------------------------------

/** A WHERE condition over `catalogue c` with its parameters ($1…), from src/publish/filter/sql.ts. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

export const ALL: SqlCondition = { sql: 'true', params: [] };

/** An ORDER BY over catalogue columns; record_id is always appended as the tie-breaker, in the last key's direction. */
export interface CatalogueSort {
  column: string;
  descending: boolean;
}

/** A published resource as a page lists it, without its record (queryCatalogue with `records: false`). */
export interface CatalogueRow {
  recordId: string;
  /** The identifier the resource is published under: its fileIdentifier, else the hub's record id. */
  identifier: string;
  /** Every visible record of the resource, the preferred (this) one first, and their sources. */
  members: string[];
  memberSources: string[];
  /** Latest change of any member in the hub. */
  changed: Date;
  /** The record written as an embeddable ISO 19139 element (full), when asked for and written by the sync. */
  iso?: string | null;
  /** That element as a stored gzip piece (src/http/gzip-stitch.ts packPiece), when asked for and packed. */
  isoGz?: Buffer | null;
}

/** A published resource with its preferred record. */
export interface CatalogueHit extends CatalogueRow {
  record: MdRecord;
}

export interface CatalogueQuery {
  where?: SqlCondition;
  sort?: CatalogueSort[];
  offset: number;
  limit: number;
  /** Also count the matches (false: `matched` is null). */
  count?: boolean;
  /** Read each hit's record (default true; false: `record` is left undefined, see loadRecords). */
  records?: boolean;
  /** Also read each hit's ISO 19139 element: as its stored gzip piece (`isoGz`) and, with true, as text (`iso`). */
  iso?: boolean | 'gz';
}

const COLUMN = /^[a-z_]+$/;

function orderBy(sort: CatalogueSort[] | undefined, alias = 'c'): string {
  const keys = (sort ?? []).map((s) => {
    if (!COLUMN.test(s.column)) throw new Error(`Not a catalogue column: ${s.column}`);
    // NULLs last ascending and first descending, like every key of PostgreSQL's default order.
    return `${alias}.${s.column} ${s.descending ? 'DESC' : 'ASC'}`;
  });
  // The tie-breaker goes the way of the last key, so that an order all one way can seek by row comparison.
  return [...keys, `${alias}.record_id ${sort?.at(-1)?.descending ? 'DESC' : 'ASC'}`].join(', ');
}

/**
 * The stored ISO piece, as base64 without the line breaks PostgreSQL puts in it, not as bytea: pg reads every
 * value as a UTF-8 string first, and bytea's hex doubles it (a third of all the hub allocated per page).
 * PostgreSQL also writes base64 faster than hex (5 µs a piece against 27); replace, not translate (55 µs).
 */
const ISO_GZ64 = `replace(encode(c.iso_gz, 'base64'), E'\\n', '') AS iso_gz64`;

interface HitRow {
  record_id: string;
  identifier: string;
  /** iso_gz in base64 (see readPage). */
  iso_gz64?: string | null;
  record: MdRecord;
  members: string[];
  member_sources: string[];
  changed: Date;
}

/**
 * What a query learnt about the catalogue at one generation: its count, and where some positions are in its
 * order (the sort key of the row there), so that a deep page seeks from the nearest known position instead of
 * skipping every row before it (OFFSET 99,990 reads 99,990 index entries; a seek reads the page). Positions are
 * learnt from the pages served (a harvester asking page after page seeks from the end of the previous one) and
 * from checkpoints every CHECKPOINT rows, each found once. Only orders on non-null columns can seek.
 */
interface QueryMemo {
  generation: number;
  count?: number;
  /** Every checkpoint of this generation is known. */
  checkpointed?: boolean;
  /** 0-based position -> the sort key values of the row at that position (record_id last). */
  positions: Map<number, unknown[]>;
}

// Every 100 rows: a page then skips at most 99 index entries from its checkpoint (1,000 cost ~2 ms a random page at
// 100,000 records); 1,000 checkpoints of a 100,000-row catalogue are a few hundred KB, found in one scan.
const CHECKPOINT = 100;
/** Below this offset a plain OFFSET is as fast as a seek. */
const SEEK_FROM = 200;
/** Columns that are never NULL: a row comparison on them orders exactly like ORDER BY. */
// (Not timestamps: a JavaScript Date drops the microseconds a seek key would need.)
const NOT_NULL = new Set(['identifier', 'title', 'type', 'record_id']);

const memos = new WeakMap<Db, LRUCache<string, QueryMemo>>();

function memoFor(db: Db, key: string): QueryMemo {
  let cache = memos.get(db);
  if (!cache) {
    cache = new LRUCache<string, QueryMemo>({ max: 500 });
    memos.set(db, cache);
  }
  let memo = cache.get(key);
  if (!memo) {
    // Generation 0 is never the catalogue's: nothing is trusted before the first read.
    memo = { generation: 0, positions: new Map() };
    cache.set(key, memo);
  }
  return memo;
}

/** Sort columns with the record_id tie-breaker, when all go one way on non-null columns (else null: no seek). */
function seekColumns(sort: CatalogueSort[] | undefined): { columns: string[]; descending: boolean } | null {
  const keys = sort ?? [];
  const descending = keys[0]?.descending ?? false;
  if (keys.some((k) => k.descending !== descending || !NOT_NULL.has(k.column))) return null;
  return { columns: [...keys.map((k) => k.column), 'record_id'], descending };
}

/**
 * The nearest known position at or before `offset` and less than CHECKPOINT rows before it (only those are
 * sought from): at most CHECKPOINT lookups, where scanning every known position cost 1 % of a deep page.
 */
function nearest(memo: QueryMemo, offset: number): [number, unknown[]] | null {
  for (let pos = offset; pos > offset - CHECKPOINT && pos >= 0; pos--) {
    const key = memo.positions.get(pos);
    if (key) return [pos, key];
  }
  return null;
}

/**
 * The sort keys at every CHECKPOINT-th position of the query's order, in one scan (a catalogue of 100,000 rows
 * has 1,000 of them): cheaper than finding each with its own OFFSET, which would read half the rows on average.
 */
async function checkpoints(
  db: Db, where: SqlCondition, order: string, columns: string[],
): Promise<{ keys: [number, unknown[]][]; generation: number }> {
  const cols = columns.map((c) => `c.${c}`).join(', ');
  const r = await db.query<Record<string, unknown>>(
    `SELECT * FROM (
       SELECT ${cols}, row_number() OVER (ORDER BY ${order}) - 1 AS position_,
         (SELECT generation FROM catalogue_state) AS generation_
       FROM catalogue c WHERE ${where.sql}) k
     WHERE position_ % ${CHECKPOINT} = 0 ORDER BY position_`, where.params, { read: true });
  return {
    keys: r.rows.map((row) => [Number(row.position_), columns.map((c) => row[c])]),
    generation: Number(r.rows[0]?.generation_ ?? 0),
  };
}

/**
 * Matching resources, a page of them in the given order, and how many match.
 *
 * One statement in the common case: the page (seeking from a position remembered for this query, if any)
 * together with the catalogue's generation, read in the same snapshot. Positions and counts are only trusted
 * when that generation is the one they were learnt at; otherwise the page is read again the plain way.
 * `records: false` leaves `record` out (the caller has the page's records written already, or loads them
 * with loadRecords).
 */
export async function queryCatalogue(
  db: Db, q: CatalogueQuery & { records: false },
): Promise<{ matched: number | null; hits: CatalogueRow[]; generation: number }>;
export async function queryCatalogue(
  db: Db, q: CatalogueQuery,
): Promise<{ matched: number | null; hits: CatalogueHit[]; generation: number }>;
export async function queryCatalogue(
  db: Db, q: CatalogueQuery,
): Promise<{ matched: number | null; hits: (CatalogueHit | CatalogueRow)[]; generation: number }> {
  const where = q.where ?? ALL;
  const order = orderBy(q.sort);
  const seek = seekColumns(q.sort);
  const memo = memoFor(db, `${where.sql}\u0000${JSON.stringify(where.params)}\u0000${order}`);
  const withRecords = q.records !== false;

  let page = await readPage(db, q, where, order, seek, memo, withRecords, true);
  if (page.generation !== memo.generation) {
    // The catalogue changed since this query's positions and count were learnt: forget them.
    const stale = page.usedSeek;
    memo.generation = page.generation;
    memo.positions.clear();
    memo.count = undefined;
    memo.checkpointed = false;
    if (stale) page = await readPage(db, q, where, order, seek, memo, withRecords, false);
  }
  const last = page.rows.at(-1);
  if (seek && last && memo.positions.size < 10_000) {
    // The next page starts after this row: remember where it is.
    memo.positions.set(q.offset + page.rows.length - 1, seek.columns.map((c) => last[`k_${c}`]));
  }

  let matched: number | null = null;
  if (q.count !== false) {
    if (memo.count === undefined) {
      const r = await db.query<{ n: number; generation: number }>(
        `SELECT count(*)::int AS n, (SELECT generation FROM catalogue_state) AS generation FROM catalogue c WHERE ${where.sql}`,
        where.params, { read: true });
      if (Number(r.rows[0].generation) === memo.generation) memo.count = r.rows[0].n;
      matched = r.rows[0].n;
    } else {
      matched = memo.count;
    }
  }
  return { matched, hits: page.rows.map((row) => toHit(row, q.iso === true)), generation: page.generation };
}

type PageRow = HitRow & Record<string, unknown>;

async function readPage(
  db: Db, q: CatalogueQuery, where: SqlCondition, order: string, seek: { columns: string[]; descending: boolean } | null,
  memo: QueryMemo, withRecords: boolean, mayCheckpoint: boolean,
): Promise<{ rows: PageRow[]; generation: number; usedSeek: boolean }> {
  let pageWhere = where;
  let skip = q.offset;
  let usedSeek = false;
  if (seek && q.limit > 0 && q.offset >= SEEK_FROM && memo.generation !== 0) {
    let from = nearest(memo, q.offset);
    if (mayCheckpoint && !memo.checkpointed && (!from || q.offset - from[0] >= CHECKPOINT)) {
      const found = await checkpoints(db, where, order, seek.columns);
      if (found.generation === memo.generation) {
        for (const [position, key] of found.keys) memo.positions.set(position, key);
        memo.checkpointed = true;
        from = nearest(memo, q.offset);
      }
    }
    if (from && q.offset - from[0] < CHECKPOINT) {
      const n = where.params.length;
      const cols = seek.columns.map((c) => `c.${c}`).join(', ');
      const marks = from[1].map((_, i) => `$${n + i + 1}`).join(', ');
      pageWhere = { sql: `(${where.sql}) AND (${cols}) ${seek.descending ? '<=' : '>='} (${marks})`, params: [...where.params, ...from[1]] };
      skip = q.offset - from[0];
      usedSeek = true;
    }
  }
  const n = pageWhere.params.length;
  const keyColumns = seek ? `${seek.columns.map((c) => `c.${c} AS k_${c}`).join(', ')},` : '';
  const iso = q.iso ? `, ${ISO_GZ64}` : '';
  const record = `${withRecords ? ', r.record' : ''}${iso}`;
  const join = withRecords ? ' JOIN records r ON r.id = c.record_id' : '';
  const keys = `SELECT ${keyColumns} c.record_id FROM catalogue c WHERE ${pageWhere.sql} ORDER BY ${order}`;
  // A page that starts less than SEEK_FROM rows into what it scans (a seek from a checkpoint, or a first page) is
  // read through a window of SEEK_FROM + limit rows whose size is in the text. PostgreSQL then bounds the cost of
  // the plan without knowing the parameters, and plans a prepared statement once (a generic plan): with a bare
  // OFFSET parameter it assumes 10 % of the table, finds a custom plan cheaper, and plans every execution
  // again (pgbench on the 100,000-row catalogue: 1.6 times the server's time per page).
  const windowed = skip < SEEK_FROM && q.limit > 0;
  const limit = Math.max(0, Math.trunc(q.limit));
  const sortColumns = [...new Set((q.sort ?? []).map((s) => s.column))].map((c) => `c.${c}, `).join('');
  const page = windowed
    ? `SELECT w.* FROM (SELECT ${keyColumns} ${sortColumns}c.record_id FROM catalogue c WHERE ${pageWhere.sql}
         ORDER BY ${order} LIMIT ${SEEK_FROM + limit}) w ORDER BY ${orderBy(q.sort, 'w')} LIMIT ${limit} OFFSET $${n + 1}`
    : `${keys} LIMIT $${n + 1} OFFSET $${n + 2}`;
  // The generation comes first and always (LEFT JOIN LATERAL): an empty page still says which catalogue it read.
  const r = await db.query<PageRow & { generation: number }>(
    `SELECT g.generation, p.* FROM (SELECT generation FROM catalogue_state) g LEFT JOIN LATERAL (
       SELECT k.*, c.identifier${record}, c.members, c.member_sources, c.changed
       FROM (${page}) k
       JOIN catalogue c ON c.record_id = k.record_id${join}
       ORDER BY ${order}) p ON true`,
    windowed ? [...pageWhere.params, skip] : [...pageWhere.params, limit, skip],
    // The unfiltered listing (what harvesters of the hub walk) comes in a handful of texts: planned once.
    { prepare: where.sql === ALL.sql, read: true },
  );
  const generation = Number(r.rows[0]?.generation ?? 0);
  const rows = r.rows.filter((row) => row.record_id !== null);
  return { rows, generation, usedSeek };
}

/** The records (model JSON) of these ids, for pages read with `records: false`. */
export async function loadRecords(db: Db, ids: string[]): Promise<Map<string, MdRecord>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<{ id: string; record: MdRecord }>('SELECT id, record FROM records WHERE id = ANY($1::text[])', [ids]);
  return new Map(r.rows.map((row) => [row.id, row.record]));
}

/** One resource by the identifier it is published under (fileIdentifier, else the hub's record id) or record id. */
export async function catalogueByIdentifier(db: Db, ids: string[]): Promise<CatalogueHit[]>;
/**
 * `records: false`: without the records, with their ISO elements instead (`iso`, inflated from the stored piece; the
 * caller loads records with loadRecords where a piece is missing).
 */
export async function catalogueByIdentifier(db: Db, ids: string[], opts: { records: false }): Promise<CatalogueRow[]>;
export async function catalogueByIdentifier(db: Db, ids: string[], opts?: { records: false }): Promise<(CatalogueHit | CatalogueRow)[]> {
  if (ids.length === 0) return [];
  const withRecords = opts?.records !== false;
  const r = await db.query<HitRow>(
    `SELECT c.record_id, c.identifier${withRecords ? ', r.record' : `, ${ISO_GZ64}`}, c.members, c.member_sources, c.changed
     FROM catalogue c${withRecords ? ' JOIN records r ON r.id = c.record_id' : ''}
     WHERE c.identifier = ANY($1::text[]) OR c.record_id = ANY($1::text[]) ORDER BY c.identifier, c.record_id`,
    [ids], { read: true },
  );
  return r.rows.map((row) => toHit(row, !withRecords));
}

/** A row as callers see it; `isoText`: the ISO element inflated from its piece as well (null when not packed). */
function toHit(row: HitRow, isoText: boolean): CatalogueHit {
  const isoGz = row.iso_gz64 === undefined ? undefined : row.iso_gz64 === null ? null : Buffer.from(row.iso_gz64, 'base64');
  return {
    recordId: row.record_id, identifier: row.identifier, record: row.record, members: row.members,
    memberSources: row.member_sources, changed: row.changed,
    ...(isoGz !== undefined ? { isoGz } : {}),
    ...(isoText && isoGz !== undefined ? { iso: isoGz && inflatePiece(isoGz) } : {}),
  };
}

/** The distinct values of a column (array columns unnested) with their counts, most frequent first. */
export async function catalogueDomain(
  db: Db, column: string, isArray: boolean, limit = 1000,
): Promise<{ value: string; count: number }[]> {
  if (!COLUMN.test(column)) throw new Error(`Not a catalogue column: ${column}`);
  const expr = isArray ? `unnest(c.${column})` : `c.${column}`;
  const r = await db.query<{ value: string; count: number }>(
    `SELECT v::text AS value, count(*)::int AS count FROM (SELECT ${expr} AS v FROM catalogue c) d
     WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT $1`, [limit]);
  return r.rows;
}

/** The overall extent and count of the catalogue (capabilities, landing pages). */
export async function catalogueSummary(db: Db): Promise<{ count: number; extent: BoundingBox | null }> {
  const r = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM catalogue');
  const e = await db.query<{ west: number | null; south: number | null; east: number | null; north: number | null }>(
    `SELECT min((box[1])[0]) AS west, min((box[1])[1]) AS south, max((box[0])[0]) AS east, max((box[0])[1]) AS north
     FROM catalogue_boxes`);
  const x = e.rows[0];
  const extent = x && x.west !== null ? { west: x.west, south: x.south!, east: x.east!, north: x.north! } : null;
  return { count: r.rows[0].count, extent };
}
