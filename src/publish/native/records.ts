/**
 * The hub's native record endpoints: `GET /records` (a JSON listing) and `GET /records/{id}` in every format
 * the foundation has (JSON, ISO 19139, the original document verbatim). Publishers know nothing of koa:
 * each function takes parsed parameters and returns a response.
 */
import { createHash } from 'node:crypto';
import { HubError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { getOriginal, getRecord, listRecords, type StoredRecord } from '../../store/records.ts';
import { listDistinct, resourceGroup, type ResourceGroup } from '../../store/identity.ts';
import { writeIso19139 } from '../../../mappings/iso19139/write.ts';

export interface PublisherResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer | Record<string, unknown>;
}

export const MAX_LIMIT = 1000;

function intParam(value: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (value === undefined || value === '') return dflt;
  if (!/^\d+$/.test(value)) throw new HubError('invalid_parameter', `${name} must be an integer between ${min} and ${max}, got "${value}".`, { locator: name });
  const n = Number(value);
  if (n < min || n > max) throw new HubError('invalid_parameter', `${name} must be between ${min} and ${max}, got ${n}.`, { locator: name });
  return n;
}

/**
 * `GET /records?source=&page=&limit=`: `{total, page, limit, records: [{id, title, source, type}]}`. With
 * `distinct=true`, each resource harvested from several sources is listed once (its preferred record), with
 * `sources`: every source it comes from.
 */
export async function listRecordsResponse(db: Db, q: Record<string, string | undefined>, baseUrl: string): Promise<PublisherResponse> {
  const limit = intParam(q.limit, 'limit', 20, 1, MAX_LIMIT);
  const page = intParam(q.page, 'page', 1, 1, 1_000_000);
  const sourceId = q.source || undefined;
  if (q.distinct === 'true') {
    const distinct = await listDistinct(db, { sourceId, limit, offset: (page - 1) * limit });
    const records = distinct.rows.map((r) => ({ id: r.id, title: r.title, source: r.sourceId, type: r.type,
      sources: r.sources, href: `${baseUrl}/records/${r.id}` }));
    return { status: 200, headers: {}, body: { total: distinct.total, page, limit, records } };
  }
  const { total, rows } = await listRecords(db, { sourceId, limit, offset: (page - 1) * limit });
  const records = rows.map((r) => ({ id: r.id, title: r.title, source: r.sourceId, type: r.type, href: `${baseUrl}/records/${r.id}` }));
  return { status: 200, headers: {}, body: { total, page, limit, records } };
}

async function mustGet(db: Db, id: string): Promise<StoredRecord> {
  const stored = await getRecord(db, id);
  // Withdrawn records are kept in the store but hidden from every publisher.
  if (!stored || stored.withdrawnAt) throw new HubError('record_not_found', `No record with id "${id}".`, { locator: 'id' });
  return stored;
}

/** `group`: the same resource from other sources (DESIGN §6, identity across sources). */
function recordJson(s: StoredRecord, baseUrl: string, group: ResourceGroup | null): Record<string, unknown> {
  return {
    id: s.id,
    source: s.sourceId,
    nativeId: s.nativeId,
    preferred: group?.preferred ?? s.id,
    alsoFrom: (group?.members ?? []).filter((m) => m.id !== s.id).map((m) => ({ id: m.id, source: m.sourceId })),
    firstSeen: s.firstSeen.toISOString(),
    lastSeen: s.lastSeen.toISOString(),
    lastChanged: s.lastChanged.toISOString(),
    links: {
      self: `${baseUrl}/records/${s.id}.json`,
      iso19139: `${baseUrl}/records/${s.id}.xml`,
      original: `${baseUrl}/records/${s.id}/original`,
    },
    record: s.record,
  };
}

export type RecordFormat = 'json' | 'xml';

/** `GET /records/{id}` (.json) and `/records/{id}.xml` (ISO 19139). */
export async function recordResponse(db: Db, id: string, format: RecordFormat, baseUrl: string): Promise<PublisherResponse> {
  const stored = await mustGet(db, id);
  const etag = `"${stored.contentHash.slice(0, 32)}-${format}"`;
  const headers = { etag, 'last-modified': stored.lastChanged.toUTCString() };
  if (format === 'xml') {
    return { status: 200, headers: { ...headers, 'content-type': 'application/xml; charset=utf-8' }, body: writeIso19139(stored.record) };
  }
  const group = await resourceGroup(db, id);
  // The JSON also shows the record's group, which changes when other sources do: it is part of the validator.
  const members = group ? createHash('sha1').update(group.members.map((m) => m.id).join(' ')).digest('hex').slice(0, 8) : '';
  return { status: 200, headers: { ...headers, etag: `"${stored.contentHash.slice(0, 32)}-json-${members}"` },
    body: recordJson(stored, baseUrl, group) };
}

/** `GET /records/{id}/original`: the harvested document, byte for byte, with its media type. */
export async function originalResponse(db: Db, id: string): Promise<PublisherResponse> {
  const stored = await mustGet(db, id);
  const original = await getOriginal(db, id);
  if (!original) throw new HubError('record_not_found', `Record "${id}" has no original document.`, { locator: 'id' });
  return {
    status: 200,
    headers: {
      'content-type': original.mediaType,
      etag: `"${stored.contentHash.slice(0, 32)}"`,
      'content-disposition': `inline; filename="${stored.id}${original.mediaType.includes('xml') ? '.xml' : ''}"`,
    },
    body: original.bytes,
  };
}
