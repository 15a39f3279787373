/**
 * The normalised record (ISO 19115 / INSPIRE) and the mapping contract.
 *
 * `schemas/record.schema.json` is the normative description of `MdRecord`; this file is its TypeScript
 * mirror. Both must change together (test/schemas/record-schema.test.ts checks mapped records against the
 * JSON Schema).
 */

import type { XmlElement } from './xml/tree.ts';

/** ISO 639-2/B three-letter code, e.g. "fre", "eng" (kept as found when it is not one). */
export type LanguageCode = string;

/** Translations of a free-text field, keyed by language code (from PT_FreeText / LocalisedCharacterString). */
export type Translations = Record<LanguageCode, string>;

/** A value that may carry a URI (gmx:Anchor/@xlink:href). */
export interface AnchoredText {
  text: string;
  href?: string;
}

/** A resource identifier (MD_Identifier / RS_Identifier). */
export interface ResourceIdentifier {
  code: string;
  codeSpace?: string;
  /** gmx:Anchor/@xlink:href when the code was an Anchor. */
  href?: string;
}

export type DateType = 'creation' | 'publication' | 'revision' | string;

export interface ResourceDate {
  /** ISO 8601 date or date-time as found (normalised to YYYY-MM-DD or full date-time). */
  date: string;
  type: DateType;
}

export interface Address {
  deliveryPoint?: string[];
  city?: string;
  administrativeArea?: string;
  postalCode?: string;
  country?: string;
}

/** CI_ResponsibleParty. */
export interface ResponsibleParty {
  individualName?: string;
  organisationName?: string;
  /** Translations of the organisation name. */
  organisationNameTranslations?: Translations;
  positionName?: string;
  emails?: string[];
  phones?: string[];
  address?: Address;
  /** CI_OnlineResource linkage of the contact. */
  url?: string;
  /** CI_RoleCode value: pointOfContact, owner, custodian, publisher, distributor, author, originator… */
  role: string;
}

export interface Thesaurus {
  title: string;
  href?: string;
  date?: string;
  dateType?: DateType;
}

/** One gmd:descriptiveKeywords block: keywords of one type from one thesaurus. */
export interface KeywordGroup {
  keywords: (AnchoredText & { translations?: Translations })[];
  /** MD_KeywordTypeCode: theme, place, stratum, temporal, discipline. */
  type?: string;
  thesaurus?: Thesaurus;
}

/** EX_GeographicBoundingBox in WGS 84 decimal degrees. */
export interface BoundingBox {
  west: number;
  east: number;
  south: number;
  north: number;
}

export interface TemporalExtent {
  /** ISO 8601; null when open or unknown. */
  start: string | null;
  end: string | null;
  /** gml indeterminatePosition on the end (now, unknown…). */
  endIndeterminate?: string;
}

export interface SpatialResolution {
  /** Denominator of an equivalent scale (1:25000 → 25000). */
  scaleDenominator?: number;
  /** Ground distance with its unit. */
  distance?: number;
  uom?: string;
}

/** A recognised licence (Licence Ouverte / Etalab, ODbL, Creative Commons…). */
export interface Licence {
  /** Stable id: "etalab-2.0", "etalab-1.0", "odbl-1.0", "cc-by-4.0", "cc0-1.0"… */
  id: string;
  label: string;
  url: string;
}

export interface Constraint {
  kind: 'legal' | 'security' | 'basic';
  useLimitations: AnchoredText[];
  /** MD_RestrictionCode values. */
  accessConstraints: string[];
  useConstraints: string[];
  otherConstraints: AnchoredText[];
  /** MD_ClassificationCode (security constraints). */
  classification?: string;
}

export interface Citation {
  title: string;
  href?: string;
  date?: string;
  dateType?: DateType;
}

/** DQ_DomainConsistency / DQ_ConformanceResult. */
export interface ConformityResult {
  specification: Citation;
  explanation?: string;
  /** true, false, or null when not evaluated (gco:nilReason on gco:Boolean). */
  pass: boolean | null;
}

export interface DistributionFormat {
  name: string;
  version?: string;
}

/** CI_OnlineResource. */
export interface OnlineResource {
  url: string;
  protocol?: string;
  applicationProfile?: string;
  name?: string;
  description?: string;
  /** CI_OnLineFunctionCode: download, information, offlineAccess, order, search. */
  function?: string;
}

export interface GraphicOverview {
  url: string;
  description?: string;
  type?: string;
}

export interface ServiceOperation {
  name: string;
  /** DCPList values (WebServices, HTTPGet…). */
  dcp: string[];
  urls: string[];
}

/** srv:operatesOn reference to a dataset record. */
export interface OperatesOn {
  uuidref?: string;
  href?: string;
  title?: string;
}

export interface CoupledResource {
  operationName?: string;
  identifier: string;
  layerName?: string;
}

/** srv:SV_ServiceIdentification specifics. */
export interface ServiceInfo {
  /** serviceType: view, download, discovery, transformation, invoke, other (or OGC:WMS…). */
  type: string;
  typeVersions: string[];
  couplingType?: string;
  operations: ServiceOperation[];
  operatesOn: OperatesOn[];
  coupledResources: CoupledResource[];
}

/** Where a record came from; set by the harvest orchestrator, never by a mapping. */
export interface Provenance {
  sourceId: string;
  nativeId: string;
  harvestedAt: string;
  mediaType: string;
  url?: string;
}

/** The normalised ISO 19115 / INSPIRE record. */
export interface MdRecord {
  /** gmd:fileIdentifier; null when the document has none (the issue list then says so). */
  identifier: string | null;
  parentIdentifier?: string;
  /** MD_ScopeCode: dataset, series, service, nonGeographicDataset, application, collectionHardware… */
  hierarchyLevel: string;
  hierarchyLevelName?: string;
  metadataStandard?: { name: string; version?: string };
  metadataLanguage?: LanguageCode;
  metadataCharacterSet?: string;
  /** gmd:dateStamp (ISO 8601). */
  metadataDate?: string;
  metadataContacts: ResponsibleParty[];
  /** Other locales declared in gmd:locale. */
  locales: LanguageCode[];

  title: string;
  alternateTitles: string[];
  abstract?: string;
  purpose?: string;
  /** Translations of title, abstract, purpose, lineage (PT_FreeText), keyed by field then language. */
  translations: { title?: Translations; abstract?: Translations; purpose?: Translations; lineage?: Translations };
  resourceIdentifiers: ResourceIdentifier[];
  dates: ResourceDate[];
  edition?: string;
  status: string[];
  resourceContacts: ResponsibleParty[];
  keywords: KeywordGroup[];
  topicCategories: string[];
  resourceLanguages: LanguageCode[];
  resourceCharacterSet?: string;
  bboxes: BoundingBox[];
  /** EX_GeographicDescription identifiers (e.g. INSEE codes). */
  geographicDescriptions: string[];
  temporalExtents: TemporalExtent[];
  spatialRepresentationTypes: string[];
  spatialResolutions: SpatialResolution[];
  referenceSystems: ResourceIdentifier[];
  constraints: Constraint[];
  /** The licence recognised from the constraints, if any. */
  licence?: Licence;
  lineage?: string;
  conformity: ConformityResult[];
  distributionFormats: DistributionFormat[];
  onlineResources: OnlineResource[];
  graphicOverviews: GraphicOverview[];
  service?: ServiceInfo;

  provenance?: Provenance;
}

export type IssueSeverity = 'error' | 'warning';

/** A problem found while mapping a document: where (XML path or RDF subject) and what. */
export interface MappingIssue {
  severity: IssueSeverity;
  /** XML path such as /gmd:MD_Metadata/gmd:identificationInfo[1]/…, or an RDF subject IRI. */
  path: string;
  message: string;
}

export interface MappingResult {
  record: MdRecord;
  issues: MappingIssue[];
}

/** A document as fetched by a harvester, before mapping. */
export interface RawDocument {
  /** The id of the document in its source (fileIdentifier, dataset IRI, file name…). */
  nativeId?: string;
  bytes: Buffer;
  mediaType: string;
  url: string;
  fetchedAt: string;
  /**
   * The root element of `bytes` as parseXml would give it, when the harvester already parsed the document
   * (a CSW GetRecords page is parsed once, records and their trees together). XML mappings read it instead of
   * parsing `bytes` again; whoever changes `bytes` must drop it.
   */
  parsed?: XmlElement;
  /**
   * The document's mapping, made where the document was read (a CSW page split in a worker thread:
   * HarvestContext.workers). Opaque to harvesters and mappings: the orchestrator settles it instead of mapping
   * the document again.
   */
  prepared?: object;
}

/** Thrown by a mapping when the document cannot be mapped at all (not XML, wrong root, truncated…). */
export class MappingError extends Error {
  constructor(
    message: string,
    readonly path: string = '/',
  ) {
    super(message);
    this.name = 'MappingError';
  }
}
