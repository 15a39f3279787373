/**
 * Writing the catalogue (migration 005): the index sync (src/search/indexer.ts) writes and removes its rows, each
 * with its ISO 19139 element as a stored gzip piece (migrations 8 and 9); every change bumps the catalogue's
 * generation, which the readers (catalogue.ts) cache against.
 */
import type { MdRecord } from '../../mappings/types.ts';
import { writeIso19139Element } from '../../mappings/iso19139/write.ts';
import { CATALOGUE_COLUMNS, catalogueBoxes, catalogueValues, type CatalogueGroup } from '../../mappings/queryables.ts';
import { packPiece } from '../http/gzip-stitch.ts';
import type { Db } from './db.ts';

/** A resource as the index sync computed it: its preferred record and the group's members. */
export interface CatalogueEntry {
  recordId: string;
  record: MdRecord;
  group: CatalogueGroup;
}

/** The `changed` of a row: the latest change of any member, so that a harvester of the hub sees it move. */
const CHANGED = 'SELECT max(last_changed) FROM records WHERE id = ANY(e.members)';

/**
 * The record as the CSW embeds it in ISO 19139 (full element set), written once here rather than on every
 * request; null when the writer fails on it (the CSW then tries again on demand and reports the failure).
 */
function isoElement(record: MdRecord): string | null {
  try {
    return writeIso19139Element(record);
  } catch {
    return null;
  }
}

/** bytea's hex input form, for a value carried in JSON (jsonb_populate_recordset reads it with bytea's input). */
const byteaText = (b: Buffer): string => `\\x${b.toString('hex')}`;

/**
 * Packs the ISO element of catalogue rows written before migration 8 (iso_gz NULL), from their records, `limit`
 * rows at a time in record id order after `after`; says how many rows it read (fewer than `limit`: none is left)
 * and the last one, where the next call goes on. A record the writer fails on stays unpacked and is passed (the
 * CSW writes it on demand and reports the failure). The published content does not change: no generation bump.
 */
export async function packCatalogueIso(db: Db, limit = 200, after = ''): Promise<{ read: number; last?: string }> {
  // changed as text: a JavaScript Date would drop its microseconds, and the check below would never match.
  const r = await db.query<{ record_id: string; identifier: string; changed: string; record: MdRecord }>(
    `SELECT c.record_id, c.identifier, c.changed::text AS changed, r.record FROM catalogue c JOIN records r ON r.id = c.record_id
     WHERE c.iso_gz IS NULL AND c.record_id > $2 ORDER BY c.record_id LIMIT $1`, [limit, after]);
  const packed = r.rows.flatMap((row) => {
    const iso = isoElement({ ...row.record, identifier: row.identifier });
    return iso === null ? [] : [{ id: row.record_id, changed: row.changed, gz: packPiece(Buffer.from(iso)).toString('hex') }];
  });
  if (packed.length > 0) {
    // Written only where the row is still the one that was read (the sync may have rewritten it since).
    await db.query(
      `UPDATE catalogue c SET iso_gz = decode(v.gz, 'hex') FROM unnest($1::text[], $2::text[], $3::text[]) AS v(record_id, changed, gz)
       WHERE c.record_id = v.record_id AND c.changed::text = v.changed AND c.iso_gz IS NULL`,
      // Hex text: PGlite's serializer takes no array of bytea.
      [packed.map((x) => x.id), packed.map((x) => x.changed), packed.map((x) => x.gz)]);
  }
  return { read: r.rows.length, last: r.rows.at(-1)?.record_id };
}

async function bumpGeneration(db: Db): Promise<void> {
  // An upsert: a store emptied table by table (tests) has lost the state row.
  await db.query(`INSERT INTO catalogue_state (id, generation) VALUES (true, 2)
    ON CONFLICT (id) DO UPDATE SET generation = catalogue_state.generation + 1`);
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
  const rows = entries.map((e) => {
    const values = catalogueValues(e.recordId, e.record, e.group);
    const iso = isoElement({ ...e.record, identifier: values.identifier as string });
    return {
      record_id: e.recordId,
      members: e.group.members,
      member_sources: e.group.sources,
      ...values,
      iso_gz: iso === null ? null : byteaText(packPiece(Buffer.from(iso))),
    };
  });
  const columns = ['record_id', 'members', 'member_sources', ...CATALOGUE_COLUMNS, 'iso_gz'];
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
