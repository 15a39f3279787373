/**
 * The catalogue (migration 005): what CSW, DCAT and OGC API - Records publish. One row per resource (the
 * preferred visible record of its group), one column per queryable (mappings/queryables.ts), written by the
 * index sync (src/search/indexer.ts) and read here with filters compiled by src/publish/filter/sql.ts.
 */
import type { BoundingBox, MdRecord } from '../../mappings/types.ts';
import { CATALOGUE_COLUMNS, catalogueBoxes, catalogueValues, type CatalogueGroup } from '../../mappings/queryables.ts';
import type { Db } from './db.ts';

/** A resource as the index sync computed it: its preferred record and the group's members. */
export interface CatalogueEntry {
  recordId: string;
  record: MdRecord;
  group: CatalogueGroup;
}

/** The `changed` of a row: the latest change of any member, so that a harvester of the hub sees it move. */
const CHANGED = 'SELECT max(last_changed) FROM records WHERE id = ANY(e.members)';

async function bumpGeneration(db: Db): Promise<void> {
  await db.query('UPDATE catalogue_state SET generation = generation + 1');
}

/** The catalogue's generation: it changes with every write, so anything derived from a query may be cached. */
export async function catalogueGeneration(db: Db): Promise<number> {
  const r = await db.query<{ generation: number }>('SELECT generation FROM catalogue_state');
  return Number(r.rows[0]?.generation ?? 0);
}

/** Removes these resources (records withdrawn, deleted, or no longer preferred in their group). */
export async function removeFromCatalogue(db: Db, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  const r = await db.query('DELETE FROM catalogue WHERE record_id = ANY($1::text[])', [recordIds]);
  if (r.rowCount > 0) await bumpGeneration(db);
}

/** Writes (inserts or replaces) these resources and their boxes, in one statement each. */
export async function writeCatalogue(db: Db, entries: CatalogueEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const ids = entries.map((e) => e.recordId);
  const rows = entries.map((e) => ({
    record_id: e.recordId,
    members: e.group.members,
    member_sources: e.group.sources,
    ...catalogueValues(e.recordId, e.record, e.group),
  }));
  const columns = ['record_id', 'members', 'member_sources', ...CATALOGUE_COLUMNS];
  // jsonb_populate_recordset types every column from the table itself: one parameter for the whole batch.
  await db.tx(async (t) => {
    await t.query('DELETE FROM catalogue WHERE record_id = ANY($1::text[])', [ids]);
    await t.query(
      `INSERT INTO catalogue (${columns.join(', ')}, changed)
       SELECT ${columns.map((c) => `e.${c}`).join(', ')}, coalesce((${CHANGED}), now())
       FROM jsonb_populate_recordset(NULL::catalogue, $1::jsonb) e`,
      [JSON.stringify(rows)],
    );
    const boxes = entries.flatMap((e) => catalogueBoxes(e.record).map((b) => ({ id: e.recordId, ...b })));
    if (boxes.length > 0) {
      await t.query(
        `INSERT INTO catalogue_boxes (record_id, box)
         SELECT b.id, box(point(b.west, b.south), point(b.east, b.north))
         FROM jsonb_to_recordset($1::jsonb) AS b(id text, west float8, south float8, east float8, north float8)`,
        [JSON.stringify(boxes)],
      );
    }
    await bumpGeneration(t);
  });
}

/** Removes the rows whose record is no longer visible (after a rebuild pass, which only sees visible ones). */
export async function sweepCatalogue(db: Db): Promise<number> {
  const r = await db.query(
    `DELETE FROM catalogue c WHERE NOT EXISTS (
       SELECT 1 FROM records r WHERE r.id = c.record_id AND r.withdrawn_at IS NULL)`);
  if (r.rowCount > 0) await bumpGeneration(db);
  return r.rowCount;
}

// ---- Reading -------------------------------------------------------------------------------------------------

/** A WHERE condition over `catalogue c` with its parameters ($1…), from src/publish/filter/sql.ts. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

export const ALL: SqlCondition = { sql: 'true', params: [] };

/** An ORDER BY over catalogue columns; record_id is always appended as the tie-breaker. */
export interface CatalogueSort {
  column: string;
  descending: boolean;
}

export interface CatalogueHit {
  recordId: string;
  record: MdRecord;
  /** Every visible record of the resource, the preferred (this) one first, and their sources. */
  members: string[];
  memberSources: string[];
  /** Latest change of any member in the hub. */
  changed: Date;
}

export interface CatalogueQuery {
  where?: SqlCondition;
  sort?: CatalogueSort[];
  offset: number;
  limit: number;
  /** Also count the matches (false: `matched` is null). */
  count?: boolean;
}

const COLUMN = /^[a-z_]+$/;

function orderBy(sort: CatalogueSort[] | undefined): string {
  const keys = (sort ?? []).map((s) => {
    if (!COLUMN.test(s.column)) throw new Error(`Not a catalogue column: ${s.column}`);
    // NULLs last ascending and first descending, like every key of PostgreSQL's default order.
    return `c.${s.column} ${s.descending ? 'DESC' : 'ASC'}`;
  });
  return [...keys, 'c.record_id'].join(', ');
}

interface HitRow {
  record_id: string;
  record: MdRecord;
  members: string[];
  member_sources: string[];
  changed: Date;
}

/** Matching resources, a page of them in the given order, and how many match. */
export async function queryCatalogue(db: Db, q: CatalogueQuery): Promise<{ matched: number | null; hits: CatalogueHit[] }> {
  const where = q.where ?? ALL;
  const n = where.params.length;
  const order = orderBy(q.sort);
  const page = q.limit <= 0 ? { rows: [] as HitRow[] } : await db.query<HitRow>(
    `WITH page AS (
       SELECT c.record_id, row_number() OVER () AS n FROM (
         SELECT c.record_id FROM catalogue c WHERE ${where.sql} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}) c)
     SELECT c.record_id, r.record, c.members, c.member_sources, c.changed
     FROM page p JOIN catalogue c ON c.record_id = p.record_id JOIN records r ON r.id = c.record_id
     ORDER BY p.n`,
    [...where.params, q.limit, q.offset],
  );
  let matched: number | null = null;
  if (q.count !== false) {
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM catalogue c WHERE ${where.sql}`, where.params);
    matched = r.rows[0].n;
  }
  return {
    matched,
    hits: page.rows.map((row) => ({
      recordId: row.record_id, record: row.record, members: row.members, memberSources: row.member_sources,
      changed: row.changed,
    })),
  };
}

/** One resource by the identifier it is published under (fileIdentifier, else the hub's record id) or record id. */
export async function catalogueByIdentifier(db: Db, ids: string[]): Promise<CatalogueHit[]> {
  if (ids.length === 0) return [];
  const r = await db.query<HitRow & { identifier: string }>(
    `SELECT c.record_id, c.identifier, r.record, c.members, c.member_sources, c.changed
     FROM catalogue c JOIN records r ON r.id = c.record_id
     WHERE c.identifier = ANY($1::text[]) OR c.record_id = ANY($1::text[]) ORDER BY c.identifier, c.record_id`,
    [ids],
  );
  return r.rows.map((row) => ({
    recordId: row.record_id, record: row.record, members: row.members, memberSources: row.member_sources,
    changed: row.changed,
  }));
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
