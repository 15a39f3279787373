/** Minimal records and upsert inputs for the store tests (hand-written, not harvested). */
import { createHash } from 'node:crypto';
import type { MdRecord } from '../../mappings/types.ts';
import type { UpsertInput } from '../../src/store/records.ts';
import { putSource } from '../../src/store/sources.ts';
import type { Db } from '../../src/store/db.ts';

export function sampleRecord(over: Partial<MdRecord> = {}): MdRecord {
  return {
    identifier: 'fr-120066022-jdd-1234',
    hierarchyLevel: 'dataset',
    metadataContacts: [],
    locales: [],
    title: 'Plan local d’urbanisme — Écully',
    alternateTitles: [],
    translations: {},
    resourceIdentifiers: [],
    dates: [],
    status: [],
    resourceContacts: [],
    keywords: [],
    topicCategories: ['planningCadastre'],
    resourceLanguages: ['fre'],
    bboxes: [{ west: 4.7, east: 4.8, south: 45.7, north: 45.8 }],
    geographicDescriptions: [],
    temporalExtents: [],
    spatialRepresentationTypes: [],
    spatialResolutions: [],
    referenceSystems: [],
    constraints: [],
    conformity: [],
    distributionFormats: [],
    onlineResources: [],
    graphicOverviews: [],
    ...over,
  };
}

export function hashOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An upsert of a small XML document whose hash follows its bytes. */
export function input(sourceId: string, nativeId: string, xml: string | Buffer, over: Partial<UpsertInput> = {}): UpsertInput {
  const original = Buffer.isBuffer(xml) ? xml : Buffer.from(xml, 'utf8');
  return {
    sourceId,
    nativeId,
    record: sampleRecord({ identifier: nativeId, title: `Record ${nativeId}` }),
    original,
    mediaType: 'application/xml',
    contentHash: hashOf(original),
    ...over,
  };
}

export async function addSource(db: Db, id: string): Promise<void> {
  await putSource(db, { id, type: 'csw', url: `https://example.org/${id}/csw`, enabled: true });
}

/** Row counts of the tables a record write touches. */
export async function counts(db: Db): Promise<{ records: number; history: number; outbox: number }> {
  const r = await db.query<{ records: number; history: number; outbox: number }>(
    `SELECT (SELECT count(*) FROM records) AS records, (SELECT count(*) FROM record_history) AS history,
       (SELECT count(*) FROM search_outbox) AS outbox`,
  );
  return r.rows[0];
}
