/**
 * What each OGC API - Records collection covers: its number of resources and its spatial and temporal extent,
 * read from the catalogue (migration 005) for the whole catalogue and for every source at once. A resource
 * counts in every source it is known from (the `sources` column), as the per-source collections list it.
 *
 * Both aggregate the whole catalogue (a scan of 100,000 rows is not for every /collections request): the
 * answers are kept per store until the catalogue's generation changes.
 */
import type { BoundingBox } from '../../mappings/types.ts';
import { catalogueGeneration } from './catalogue.ts';
import type { Db } from './db.ts';

export interface CollectionExtent {
  count: number;
  spatial: BoundingBox | null;
  /** ISO instants; null where no resource has that end. */
  temporal: { start: string | null; end: string | null } | null;
}

interface AggregateRow {
  source: string | null;
  count: number;
  begin: Date | null;
  end: Date | null;
  west: number | null;
  south: number | null;
  east: number | null;
  north: number | null;
}

/** box[0] is the upper right corner of a PostgreSQL box, box[1] the lower left one. */
const BOX_AGGREGATES = `min((b.box[1])[0]) AS west, min((b.box[1])[1]) AS south,
  max((b.box[0])[0]) AS east, max((b.box[0])[1]) AS north`;

function toExtent(row: AggregateRow | undefined, boxes: AggregateRow | undefined): CollectionExtent {
  const spatial = boxes && boxes.west !== null
    ? { west: Number(boxes.west), south: Number(boxes.south), east: Number(boxes.east), north: Number(boxes.north) } : null;
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const temporal = row && (row.begin || row.end) ? { start: iso(row.begin), end: iso(row.end) } : null;
  return { count: Number(row?.count ?? 0), spatial, temporal };
}

interface Kept {
  generation: number;
  all?: Promise<CollectionExtent>;
  bySource?: Promise<Map<string, CollectionExtent>>;
}
const kept = new WeakMap<Db, Kept>();

/** The answers kept for the catalogue's current generation (a fresh set when it changed). */
async function keptFor(db: Db): Promise<Kept> {
  const generation = await catalogueGeneration(db);
  let k = kept.get(db);
  if (!k || k.generation !== generation) kept.set(db, k = { generation });
  return k;
}

/** The extent of the whole catalogue. */
export async function catalogueExtent(db: Db): Promise<CollectionExtent> {
  const k = await keptFor(db);
  // A failed computation is not kept.
  return k.all ??= computeCatalogueExtent(db).catch((err: unknown) => {
    k.all = undefined;
    throw err;
  });
}

/** The extent of every source's resources, by source id (sources without a published resource are absent). */
export async function sourceExtents(db: Db): Promise<Map<string, CollectionExtent>> {
  const k = await keptFor(db);
  return k.bySource ??= computeSourceExtents(db).catch((err: unknown) => {
    k.bySource = undefined;
    throw err;
  });
}

async function computeCatalogueExtent(db: Db): Promise<CollectionExtent> {
  const r = await db.query<AggregateRow>(
    'SELECT NULL AS source, count(*)::int AS count, min(temp_begin) AS begin, max(temp_end) AS "end" FROM catalogue');
  const b = await db.query<AggregateRow>(`SELECT ${BOX_AGGREGATES} FROM catalogue_boxes b`);
  return toExtent(r.rows[0], b.rows[0]);
}

async function computeSourceExtents(db: Db): Promise<Map<string, CollectionExtent>> {
  const r = await db.query<AggregateRow>(
    `SELECT s.source, count(*)::int AS count, min(c.temp_begin) AS begin, max(c.temp_end) AS "end"
     FROM catalogue c CROSS JOIN LATERAL unnest(c.sources) AS s(source) GROUP BY s.source`);
  const b = await db.query<AggregateRow>(
    `SELECT s.source, ${BOX_AGGREGATES}
     FROM catalogue c JOIN catalogue_boxes b ON b.record_id = c.record_id CROSS JOIN LATERAL unnest(c.sources) AS s(source)
     GROUP BY s.source`);
  const boxes = new Map(b.rows.map((row) => [row.source!, row]));
  return new Map(r.rows.map((row) => [row.source!, toExtent(row, boxes.get(row.source!))]));
}
