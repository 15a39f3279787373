/**
 * The RDF vocabularies DCAT-AP 2/3, GeoDCAT-AP, data.gouv.fr and CKAN use, as full IRIs (never trust a prefix:
 * the same term arrives through RDF/XML, Turtle and JSON-LD with any prefix or none).
 */

const ns =
  (base: string) =>
  (local: string): string =>
    base + local;

export const RDF = ns('http://www.w3.org/1999/02/22-rdf-syntax-ns#');
export const RDFS = ns('http://www.w3.org/2000/01/rdf-schema#');
export const OWL = ns('http://www.w3.org/2002/07/owl#');
export const XSD = ns('http://www.w3.org/2001/XMLSchema#');
export const DCAT = ns('http://www.w3.org/ns/dcat#');
export const DCT = ns('http://purl.org/dc/terms/');
export const DC = ns('http://purl.org/dc/elements/1.1/');
export const FOAF = ns('http://xmlns.com/foaf/0.1/');
export const VCARD = ns('http://www.w3.org/2006/vcard/ns#');
export const LOCN = ns('http://www.w3.org/ns/locn#');
export const GSP = ns('http://www.opengis.net/ont/geosparql#');
/** The pre-GeoSPARQL namespace GeoNetwork still writes (ogc:asWKT, ogc:WKTLiteral). */
export const OGC_RDF = ns('http://www.opengis.net/rdf#');
export const ADMS = ns('http://www.w3.org/ns/adms#');
export const SKOS = ns('http://www.w3.org/2004/02/skos/core#');
export const SCHEMA = ns('http://schema.org/');
export const SCHEMA_HTTPS = ns('https://schema.org/');
export const TIME = ns('http://www.w3.org/2006/time#');
export const PROV = ns('http://www.w3.org/ns/prov#');
export const HYDRA = ns('http://www.w3.org/ns/hydra/core#');
/** GeoDCAT-AP's own properties (custodian, originator, resourceType…). */
export const GEODCAT = ns('http://data.europa.eu/930/');

/** rdf:type values that make a resource one harvested record, with the MD_ScopeCode they map to. */
export const RECORD_TYPES: Readonly<Record<string, string>> = {
  [DCAT('Dataset')]: 'dataset',
  [DCAT('DatasetSeries')]: 'series',
  [DCAT('DataService')]: 'service',
};

/** Types a dataset's bounded description never descends into (another record, the catalogue itself). */
export const STOP_TYPES: ReadonlySet<string> = new Set([
  DCAT('Catalog'),
  DCAT('Dataset'),
  DCAT('DatasetSeries'),
  HYDRA('Collection'),
  HYDRA('PagedCollection'),
  HYDRA('PartialCollectionView'),
]);

/** Properties whose values name or describe a resource: kept for resources the description does not enter. */
export const LABEL_PROPERTIES: readonly string[] = [
  SKOS('prefLabel'),
  RDFS('label'),
  DCT('title'),
  FOAF('name'),
  VCARD('fn'),
  SKOS('inScheme'),
];
