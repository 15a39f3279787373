/**
 * The records of a CSW answer as the elements its output schema and element set ask for (ISO 19139 through
 * iso-element-set.ts, Dublin Core through dc-record.ts), written from the catalogue row or the record.
 */
import { LRUCache } from 'lru-cache';
import type { MdRecord } from '../../../mappings/types.ts';
import { HubError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { loadRecords, type CatalogueHit, type CatalogueRow } from '../../store/catalogue.ts';
import { dcRecord } from './dc-record.ts';
import { isoRecord } from './iso-element-set.ts';
import type { ElementSet, OutputSchema } from './request.ts';

/**
 * Records as written elements, by record, version, schema and element set. Writing ISO 19139 costs about a
 * millisecond per record (xmlbuilder2), ten times what the rest of a GetRecords page costs; a page asked
 * again (the first page of every MetaSearch search, the pages every harvester walks) is served from here. The
 * key holds the catalogue row's `changed`, so a record changed since is written anew.
 */
const rendered = new LRUCache<string, string>({
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (xml) => xml.length * 2,
});

const renderKey = (hit: CatalogueRow, schema: OutputSchema, elementSet: ElementSet | null, baseUrl: string) =>
  `${hit.recordId}|${hit.changed.getTime()}|${schema}|${elementSet}|${baseUrl}`;

/**
 * The page's records as the elements the output schema and element set ask for: from the cache when written
 * before (unless ElementName is used), the others read from the store (the page was read without them) and
 * written now.
 */
export async function recordElements(
  db: Db, hits: (CatalogueRow & { record?: MdRecord })[], schema: OutputSchema, elementSet: ElementSet | null,
  elementNames: string[], baseUrl: string,
): Promise<string[]> {
  // The full ISO form is written by the index sync into the catalogue row; the others are cached here.
  const fullIso = schema === 'gmd' && (elementSet ?? 'full') === 'full' && elementNames.length === 0;
  const cached = elementNames.length > 0 ? hits.map(() => undefined)
    : hits.map((h) => (fullIso && h.iso ? h.iso : rendered.get(renderKey(h, schema, elementSet, baseUrl))));
  const missing = hits.filter((h, i) => cached[i] === undefined && h.record === undefined).map((h) => h.recordId);
  const records = await loadRecords(db, missing);
  return hits.map((hit, i) => {
    if (cached[i] !== undefined) return cached[i]!;
    const record = hit.record ?? records.get(hit.recordId);
    // Purged between the page and this read: refuse the page rather than serve it short of what it counts.
    if (!record) throw new HubError('internal', `Record ${hit.recordId} vanished while the page was written; ask again.`);
    const xml = writeRecordElement({ ...hit, record }, schema, elementSet, elementNames, baseUrl);
    if (elementNames.length === 0) rendered.set(renderKey(hit, schema, elementSet, baseUrl), xml);
    return xml;
  });
}

export function writeRecordElement(hit: CatalogueHit, schema: OutputSchema, elementSet: ElementSet | null, elementNames: string[], baseUrl: string): string {
  const rec: MdRecord = { ...hit.record, identifier: hit.identifier };
  if (schema === 'gmd') return isoRecord(rec, elementSet ?? 'full', elementNames.length > 0 ? elementNames : undefined);
  return dcRecord(rec, {
    identifier: hit.identifier,
    elementSet: elementSet ?? 'full',
    elementNames: elementNames.length > 0 ? elementNames : undefined,
    baseUrl,
  });
}
