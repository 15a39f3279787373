/**
 * SearchDoc <-> Meilisearch document. Pure.
 *
 * Meilisearch stores the SearchDoc's own fields (so a hit maps back without a store lookup) plus three derived
 * kinds of fields it can filter and sort on:
 * - the bboxes as FOUR NUMBERS PER BOX, in BBOX_SLOTS fixed slots (`bbox0_west` … `bbox7_north`), so that
 *   "box intersects box" is four comparisons on one slot. One field set per slot rather than arrays: Meilisearch
 *   flattens an array of objects into one multi-valued field per key, and `west <= x AND east >= y` would then
 *   match a west of one box with an east of another (an antimeridian-split resource would match everywhere).
 *   A resource with more boxes than slots keeps its first BBOX_SLOTS - 1 boxes exactly and the envelope of the
 *   rest in the last slot: a superset, so such (rare) resources can show up for a box that only their envelope
 *   touches, but never go missing.
 * - `dateNum`, the resource date as the number YYYYMMDD: numeric filters (`from`/`to`) and the date sort.
 *   Absent when the resource has no date, so that a date bound never matches it and it sorts last.
 * - `titleSort`, the title folded (case, accents, leading punctuation) for the A→Z sort.
 */
import type { Bbox, SearchDoc } from '../types.ts';

/** Boxes kept exactly per resource (French records list up to six: metropolitan France and five overseas). */
export const BBOX_SLOTS = 8;
export const DATE_FIELD = 'dateNum';
export const TITLE_SORT_FIELD = 'titleSort';

const SIDES = ['west', 'south', 'east', 'north'] as const satisfies readonly (keyof Bbox)[];

/** Name of one coordinate of one bbox slot. */
export const bboxField = (slot: number, side: keyof Bbox): string => `bbox${slot}_${side}`;

/** Every bbox field, slot by slot (for filterableAttributes). */
export const BBOX_FIELDS: string[] = Array.from({ length: BBOX_SLOTS }, (_, slot) => SIDES.map((s) => bboxField(slot, s))).flat();

/** Every SearchDoc field, checked complete by the compiler: what a search retrieves and a hit maps back from. */
const FIELD_SET: Record<keyof SearchDoc, true> = {
  id: true, members: true, sources: true, organisations: true, identifier: true, title: true, altTitles: true,
  abstract: true, keywords: true, topics: true, type: true, formats: true, license: true, bboxes: true, date: true,
  temporal: true, languages: true, thumbnail: true,
};
export const DOC_FIELDS = Object.keys(FIELD_SET) as (keyof SearchDoc)[];

/** What is sent to Meilisearch for one SearchDoc. */
export type MeiliDoc = SearchDoc & { [DATE_FIELD]?: number; [TITLE_SORT_FIELD]: string } & Record<string, unknown>;

/** The Meilisearch document of a SearchDoc. */
export function toMeiliDoc(doc: SearchDoc): MeiliDoc {
  const out: MeiliDoc = { ...doc, [TITLE_SORT_FIELD]: titleSortKey(doc.title) };
  const day = dayNumber(doc.date);
  if (day !== undefined) out[DATE_FIELD] = day;
  bboxSlots(doc.bboxes).forEach((box, slot) => {
    for (const side of SIDES) out[bboxField(slot, side)] = box[side];
  });
  return out;
}

/** The SearchDoc part of a stored document or hit (derived fields and Meilisearch's `_…` fields left out). */
export function fromMeiliDoc(stored: Record<string, unknown>): SearchDoc {
  const doc: Record<string, unknown> = {};
  for (const field of DOC_FIELDS) doc[field] = stored[field] ?? defaultOf(field);
  return doc as unknown as SearchDoc;
}

/** A value for a field an older document lacks, so that hits always have the SearchDoc shape. */
function defaultOf(field: keyof SearchDoc): unknown {
  const lists: (keyof SearchDoc)[] = ['members', 'sources', 'organisations', 'altTitles', 'keywords', 'topics', 'formats', 'bboxes', 'languages'];
  if (lists.includes(field)) return [];
  return field === 'title' || field === 'abstract' || field === 'id' || field === 'type' ? '' : null;
}

/** The boxes to store: all of them when they fit, else the first BBOX_SLOTS - 1 and the envelope of the rest. */
export function bboxSlots(bboxes: Bbox[]): Bbox[] {
  if (bboxes.length <= BBOX_SLOTS) return bboxes;
  return [...bboxes.slice(0, BBOX_SLOTS - 1), envelope(bboxes.slice(BBOX_SLOTS - 1))];
}

function envelope(boxes: Bbox[]): Bbox {
  return {
    west: Math.min(...boxes.map((b) => b.west)),
    south: Math.min(...boxes.map((b) => b.south)),
    east: Math.max(...boxes.map((b) => b.east)),
    north: Math.max(...boxes.map((b) => b.north)),
  };
}

const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss' };

/** `YYYY-MM-DD` as the number YYYYMMDD (order-preserving); undefined when absent or malformed. */
export function dayNumber(date: string | null | undefined): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  return m ? Number(`${m[1]}${m[2]}${m[3]}`) : undefined;
}

/**
 * The title as sorted A→Z: lower case, accents removed, ligatures spelt out (Œ sorts as OE), leading quotes /
 * brackets / spaces dropped, inner spaces collapsed. Meilisearch sorts strings by their bytes, which would put
 * "Écoles" and "Œuvres" after "Zones".
 */
export function titleSortKey(title: string): string {
  return title
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[œæß]/g, (c) => LIGATURES[c])
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .replace(/\s+/g, ' ')
    .trim();
}
