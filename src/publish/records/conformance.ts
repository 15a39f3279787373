/**
 * The conformance classes this OGC API - Records implementation claims (OGC 20-004r1, Records - Part 1: Core 1.0,
 * Annex A): only those whose requirements it meets. Not claimed: `record-filter` / CQL2 (no `filter` parameter),
 * `autodiscovery`, the crawlable and local-resources deployments, `query-param-profile`, and the JSON-LD, Atom
 * or schema.org encodings.
 */

const RECORDS = 'http://www.opengis.net/spec/ogcapi-records-1/1.0/conf';

/** Records - Part 1 classes, in the order of the standard's Annex A. */
export const RECORDS_CONFORMANCE: readonly string[] = [
  `${RECORDS}/record-core`,
  `${RECORDS}/record-collection`,
  `${RECORDS}/record-core-query-parameters`,
  // /collections/{id}/items with q, bbox, datetime, type, ids, externalIds, limit (Features core beneath it).
  `${RECORDS}/records-api`,
  // sortby and /collections/{id}/sortables.
  `${RECORDS}/sorting`,
  `${RECORDS}/json`,
  `${RECORDS}/html`,
  `${RECORDS}/oas30`,
  // The searchable catalogue deployment: the query parameters and sorting at /collections/{id}/items.
  `${RECORDS}/searchable-catalog`,
  `${RECORDS}/searchable-catalog/sorting`,
];

/**
 * OGC API - Features - Part 1 classes the Records API depends on (`records-api` requires Features core): landing
 * page, /conformance, /collections, items with limit, bbox and datetime, single items, GeoJSON and HTML.
 */
export const FEATURES_CONFORMANCE: readonly string[] = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
];

/** Every class the records publisher declares (the hub may merge them with other publishers'). */
export const CONFORMANCE: readonly string[] = [...RECORDS_CONFORMANCE, ...FEATURES_CONFORMANCE];
