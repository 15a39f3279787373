/**
 * What every OGC API - Records publisher takes and gives: the store and the hub's public address, the request
 * as the routing layer parsed and negotiated it, and a PublisherResponse (src/publish/native/records.ts).
 */
import { HubError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import type { PublisherResponse } from '../native/records.ts';
import { checkKnown, type RawQuery } from './params.ts';
import { trimBase, type Format, type Lang } from './urls.ts';

export interface RecordsDeps {
  db: Db;
  /** The hub's public base URL (config baseUrl), without a trailing slash needed. */
  baseUrl: string;
}

export interface RecordsRequest {
  /** The query parameters, `f` and `lang` included (they are checked like the others). */
  query: RawQuery;
  /** The representation negotiated from `f` or the Accept header. */
  format: Format;
  /** The language negotiated from `lang` or Accept-Language (French by default). */
  lang: Lang;
  /** The client asked for `application/ogc-catalog+json` (Records /req/json/collection-response) by Accept. */
  catalogJson?: boolean;
}

/** Parameters every resource accepts: the format and the language. */
export const COMMON_PARAMS: readonly string[] = ['f', 'lang'];

/** Rejects parameters other than `f` and `lang` (resources without query parameters of their own). */
export function checkKnownCommon(req: RecordsRequest): void {
  checkKnown(req.query, COMMON_PARAMS);
}

/**
 * For resources that exist in JSON only (the API definition, sortables): `f` may only be `json`, and there
 * is no language to choose. Refused rather than answered in another format than asked.
 */
export function checkJsonOnly(req: RecordsRequest): void {
  checkKnown(req.query, ['f']);
  if (req.query.f !== undefined && req.query.f !== 'json') {
    throw new HubError('invalid_parameter', 'f: this resource exists in JSON only (f=json).', { locator: 'f' });
  }
}

export function base(deps: RecordsDeps): string {
  return trimBase(deps.baseUrl);
}

/** `lang` as the client wrote it, to be carried over in links (undefined when it did not choose). */
export function chosenLang(req: RecordsRequest): Lang | undefined {
  return typeof req.query.lang === 'string' && req.query.lang !== '' ? req.lang : undefined;
}

export function jsonResponse(body: Record<string, unknown>, type: string): PublisherResponse {
  return { status: 200, headers: { 'content-type': type }, body };
}

export function htmlResponse(html: string): PublisherResponse {
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}
