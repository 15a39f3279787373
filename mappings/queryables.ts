/**
 * The queryables table (DESIGN §1): one row per property a client may filter, sort or ask the domain of, with
 * every public name it goes by (CSW ISO AP `apiso:*`, CSW Dublin Core `dc:*` / `dct:*`, OGC API - Records),
 * the catalogue column that holds it (src/store/catalogue.ts, migration 005) and how its values are computed
 * from a record. The CSW capabilities, DescribeRecord, the filter translator (src/publish/filter/sql.ts),
 * GetDomain and the catalogue writer all read this one table, so a queryable exists everywhere or nowhere.
 *
 * Pure: no SQL beyond column names, no I/O.
 */
import { normaliseBbox } from '../src/search/document.ts';
import type { BoundingBox, MdRecord, ResourceDate } from './types.ts';

/**
 * - text / texts: one string, or a set of strings (keywords): comparisons match any element;
 * - date / dates: ISO 8601 instants (timestamptz), compared as instants;
 * - number / numbers; boolean;
 * - anytext: the normalised full text (lower case, accents removed), matched by substring;
 * - bbox: the record's bounding boxes (table catalogue_boxes): spatial operators only.
 */
export type QueryableKind = 'text' | 'texts' | 'date' | 'dates' | 'number' | 'numbers' | 'boolean' | 'anytext' | 'bbox';

/** Where the CSW capabilities list a queryable. */
export type QueryableList = 'iso' | 'additional' | 'dc' | 'hub';

export type ColumnValue = string | number | boolean | null | string[] | number[];

export interface Queryable {
  /** The name advertised (`apiso:Title`); matched case-insensitively, like every alias. */
  name: string;
  /** Other names the same property goes by (`dc:title`, `title`). */
  aliases: readonly string[];
  list: QueryableList;
  kind: QueryableKind;
  /** The catalogue column (null for bbox: catalogue_boxes). */
  column: string | null;
  /** May be used in SortBy (single-valued columns only). */
  sortable: boolean;
  /** Has a domain worth listing in GetDomain (a bounded set of values: types, keywords, formats…). */
  domain: boolean;
}

const q = (name: string, kind: QueryableKind, column: string | null, list: QueryableList, aliases: string[] = [],
  opts: { sortable?: boolean; domain?: boolean } = {}): Queryable => ({
  name, aliases, list, kind, column,
  sortable: opts.sortable ?? (kind === 'text' || kind === 'date' || kind === 'number' || kind === 'boolean'),
  domain: opts.domain ?? false,
});

/**
 * ISO AP 1.0 (OGC 07-045) SupportedISOQueryables and AdditionalQueryables, the CSW 2.0.2 Dublin Core
 * queryables, and the hub's own. Dublin Core names map to the ISO property they stand for, as GeoNetwork and
 * pycsw map them.
 */
export const QUERYABLES: readonly Queryable[] = [
  q('apiso:AnyText', 'anytext', 'anytext', 'iso', ['csw:AnyText', 'anytext', 'q']),
  q('apiso:Title', 'text', 'title', 'iso', ['dc:title', 'title']),
  q('apiso:Abstract', 'text', 'abstract', 'iso', ['dct:abstract', 'dc:description', 'description']),
  q('apiso:Subject', 'texts', 'subjects', 'iso', ['dc:subject', 'keywords'], { domain: true }),
  q('apiso:Format', 'texts', 'formats', 'iso', ['dc:format', 'formats'], { domain: true }),
  q('apiso:Identifier', 'text', 'identifier', 'iso', ['dc:identifier', 'identifier', 'id']),
  q('apiso:Modified', 'date', 'modified', 'iso', ['dct:modified', 'dc:date', 'updated']),
  q('apiso:Type', 'text', 'type', 'iso', ['dc:type', 'type'], { domain: true }),
  q('apiso:BoundingBox', 'bbox', null, 'iso', ['ows:BoundingBox', 'dc:coverage', 'bbox', 'geometry', 'the_geom']),
  q('apiso:CRS', 'texts', 'crs', 'iso', ['crs'], { domain: true }),
  q('apiso:RevisionDate', 'date', 'revision_date', 'iso'),
  q('apiso:AlternateTitle', 'texts', 'alternate_titles', 'iso'),
  q('apiso:CreationDate', 'date', 'creation_date', 'iso', ['created']),
  q('apiso:PublicationDate', 'date', 'publication_date', 'iso'),
  q('apiso:OrganisationName', 'texts', 'organisations', 'iso',
    ['dc:creator', 'dc:publisher', 'dc:contributor', 'organisation'], { domain: true }),
  q('apiso:HasSecurityConstraints', 'boolean', 'has_security_constraints', 'iso'),
  q('apiso:Language', 'text', 'language', 'iso', [], { domain: true }),
  q('apiso:ResourceIdentifier', 'texts', 'resource_identifiers', 'iso', ['externalid']),
  q('apiso:ParentIdentifier', 'text', 'parent_identifier', 'iso'),
  q('apiso:KeywordType', 'texts', 'keyword_types', 'iso', [], { domain: true }),
  q('apiso:TopicCategory', 'texts', 'topic_categories', 'iso', ['themes'], { domain: true }),
  q('apiso:ResourceLanguage', 'texts', 'resource_languages', 'iso', ['dc:language', 'language'], { domain: true }),
  q('apiso:GeographicDescriptionCode', 'texts', 'geographic_codes', 'iso'),
  q('apiso:Denominator', 'numbers', 'denominators', 'iso'),
  q('apiso:DistanceValue', 'numbers', 'distance_values', 'iso'),
  q('apiso:DistanceUOM', 'texts', 'distance_uoms', 'iso'),
  q('apiso:TempExtent_begin', 'date', 'temp_begin', 'iso'),
  q('apiso:TempExtent_end', 'date', 'temp_end', 'iso'),
  q('apiso:ServiceType', 'text', 'service_type', 'iso', [], { domain: true }),
  q('apiso:ServiceTypeVersion', 'texts', 'service_type_versions', 'iso', [], { domain: true }),
  q('apiso:Operation', 'texts', 'operations', 'iso', [], { domain: true }),
  q('apiso:OperatesOn', 'texts', 'operates_on', 'iso', ['dc:relation']),
  q('apiso:OperatesOnIdentifier', 'texts', 'operates_on_identifiers', 'iso'),
  q('apiso:OperatesOnName', 'texts', 'operates_on_names', 'iso'),
  q('apiso:CouplingType', 'text', 'coupling_type', 'iso', [], { domain: true }),
  q('apiso:Degree', 'texts', 'degrees', 'additional'),
  q('apiso:AccessConstraints', 'texts', 'access_constraints', 'additional', [], { domain: true }),
  q('apiso:OtherConstraints', 'texts', 'other_constraints', 'additional', ['dc:rights']),
  q('apiso:Classification', 'texts', 'classifications', 'additional', [], { domain: true }),
  q('apiso:ConditionApplyingToAccessAndUse', 'texts', 'use_limitations', 'additional'),
  q('apiso:Lineage', 'text', 'lineage', 'additional'),
  q('apiso:ResponsiblePartyRole', 'texts', 'party_roles', 'additional', [], { domain: true }),
  q('apiso:SpecificationTitle', 'texts', 'specification_titles', 'additional'),
  q('apiso:SpecificationDate', 'dates', 'specification_dates', 'additional'),
  q('apiso:SpecificationDateType', 'texts', 'specification_date_types', 'additional'),
  q('moisson:Source', 'texts', 'sources', 'hub', ['source'], { domain: true }),
  q('moisson:Licence', 'text', 'licence', 'hub', ['license', 'licence'], { domain: true }),
];

const BY_NAME = new Map<string, Queryable>();
for (const queryable of QUERYABLES) {
  for (const n of [queryable.name, ...queryable.aliases]) BY_NAME.set(n.toLowerCase(), queryable);
}

/**
 * The queryable a client's property name stands for, matched case-insensitively (udata sends
 * `apiso:identifier`, GeoNetwork accepts it) with or without a namespace prefix, and accepting an XPath-ish
 * `/` prefix some clients send; undefined when unknown.
 */
export function findQueryable(property: string): Queryable | undefined {
  const name = property.trim().replace(/^\/+/, '').toLowerCase();
  const exact = BY_NAME.get(name);
  if (exact) return exact;
  // A prefix the client bound to the namespace another name uses (`ns1:Title`): try the local part alone.
  const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
  return BY_NAME.get(`apiso:${local}`) ?? BY_NAME.get(`dc:${local}`) ?? BY_NAME.get(`dct:${local}`) ?? BY_NAME.get(local);
}

// ---- Values of a record ----------------------------------------------------------------------------------

/** The resource group a catalogue row describes: its preferred record first (src/store/identity.ts). */
export interface CatalogueGroup {
  members: string[];
  sources: string[];
}

/** Lower case, accents and other combining marks removed, whitespace collapsed: how AnyText is matched. */
export function normaliseText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

function distinct(values: (string | undefined | null)[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const t = typeof v === 'string' ? v.trim() : '';
    if (t) out.add(t);
  }
  return [...out];
}

/**
 * An ISO 8601 date or date-time as an instant PostgreSQL accepts (a bare year or year-month is its first
 * day, a date is midnight UTC); null when the text is not one.
 */
export function isoInstant(value: string | undefined | null): string | null {
  const s = value?.trim() ?? '';
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$/.exec(s);
  if (!m) return null;
  const [, y, mo = '01', d = '01', time] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return null;
  const iso = time ? `${y}-${mo}-${d}${/Z|[+-]\d{2}:?\d{2}$/.test(time) ? time : `${time}Z`}` : `${y}-${mo}-${d}T00:00:00Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

function latestOfType(dates: ResourceDate[], type: string): string | null {
  const instants = dates.filter((d) => d.type === type).map((d) => isoInstant(d.date)).filter((d): d is string => d !== null);
  return instants.sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1) ?? null;
}

function earliest(values: (string | null)[]): string | null {
  return values.filter((v): v is string => v !== null).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
}

function latest(values: (string | null)[]): string | null {
  return values.filter((v): v is string => v !== null).sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1) ?? null;
}

/** Resource identifiers as clients look them up: the code, `codeSpace:code` / `codeSpace/code`, the anchor. */
function identifierForms(rec: MdRecord): string[] {
  return distinct(rec.resourceIdentifiers.flatMap((i) => [
    i.code,
    i.codeSpace ? `${i.codeSpace}${/[/#:]$/.test(i.codeSpace) ? '' : ':'}${i.code}` : undefined,
    i.href,
  ]));
}

/** The text csw:AnyText searches: every human-readable field of the record, normalised. */
function anyText(rec: MdRecord, identifier: string): string {
  const parts = [
    identifier, rec.title, ...rec.alternateTitles, rec.abstract, rec.purpose, rec.lineage,
    ...Object.values(rec.translations ?? {}).flatMap((t) => Object.values(t ?? {})),
    ...rec.keywords.flatMap((g) => g.keywords.flatMap((k) => [k.text, ...Object.values(k.translations ?? {})])),
    ...rec.topicCategories,
    ...[...rec.resourceContacts, ...rec.metadataContacts].flatMap((p) => [p.organisationName, p.individualName]),
    ...rec.resourceIdentifiers.map((i) => i.code),
    ...rec.distributionFormats.map((f) => f.name),
    ...rec.onlineResources.flatMap((o) => [o.name, o.description]),
    ...rec.geographicDescriptions,
    rec.service?.type,
    ...(rec.service?.coupledResources.map((c) => c.layerName) ?? []),
  ];
  return normaliseText(distinct(parts).join(' \n '));
}

/** The bounding boxes a record is matched on: WGS 84, antimeridian boxes split (src/search/document.ts). */
export function catalogueBoxes(rec: MdRecord): BoundingBox[] {
  return rec.bboxes.flatMap(normaliseBbox);
}

/**
 * The catalogue columns of a resource, from its preferred record and its group (every column of migration
 * 005's `catalogue` except record_id, changed and the group arrays, which the store sets). `identifier` is the
 * record's fileIdentifier, or the hub's record id when the document had none: every published record has one.
 */
export function catalogueValues(recordId: string, rec: MdRecord, group: CatalogueGroup): Record<string, ColumnValue> {
  const identifier = rec.identifier?.trim() || recordId;
  const parties = [...rec.resourceContacts, ...rec.metadataContacts];
  const legal = rec.constraints;
  const service = rec.service;
  return {
    identifier,
    title: rec.title?.trim() || identifier,
    abstract: rec.abstract ?? null,
    type: rec.hierarchyLevel || 'dataset',
    modified: isoInstant(rec.metadataDate),
    anytext: anyText(rec, identifier),
    subjects: distinct([...rec.keywords.flatMap((g) => g.keywords.map((k) => k.text)), ...rec.topicCategories]),
    formats: distinct(rec.distributionFormats.map((f) => f.name)),
    crs: distinct(rec.referenceSystems.flatMap((r) => [r.code, r.href, r.codeSpace ? `${r.codeSpace}:${r.code}` : undefined])),
    revision_date: latestOfType(rec.dates, 'revision'),
    creation_date: latestOfType(rec.dates, 'creation'),
    publication_date: latestOfType(rec.dates, 'publication'),
    alternate_titles: distinct(rec.alternateTitles),
    organisations: distinct(parties.flatMap((p) => [p.organisationName, ...Object.values(p.organisationNameTranslations ?? {})])),
    has_security_constraints: legal.some((c) => c.kind === 'security'),
    language: rec.metadataLanguage ?? null,
    resource_identifiers: identifierForms(rec),
    parent_identifier: rec.parentIdentifier ?? null,
    keyword_types: distinct(rec.keywords.map((g) => g.type)),
    topic_categories: distinct(rec.topicCategories),
    resource_languages: distinct(rec.resourceLanguages),
    geographic_codes: distinct(rec.geographicDescriptions),
    denominators: rec.spatialResolutions.flatMap((r) => (Number.isFinite(r.scaleDenominator) ? [r.scaleDenominator!] : [])),
    distance_values: rec.spatialResolutions.flatMap((r) => (Number.isFinite(r.distance) ? [r.distance!] : [])),
    distance_uoms: distinct(rec.spatialResolutions.map((r) => r.uom)),
    temp_begin: earliest(rec.temporalExtents.map((t) => isoInstant(t.start))),
    temp_end: latest(rec.temporalExtents.map((t) => isoInstant(t.end))),
    service_type: service?.type ?? null,
    service_type_versions: distinct(service?.typeVersions ?? []),
    operations: distinct(service?.operations.map((o) => o.name) ?? []),
    operates_on: distinct(service?.operatesOn.flatMap((o) => [o.uuidref, o.href]) ?? []),
    operates_on_identifiers: distinct(service?.coupledResources.map((c) => c.identifier) ?? []),
    operates_on_names: distinct(service?.coupledResources.map((c) => c.layerName) ?? []),
    coupling_type: service?.couplingType ?? null,
    degrees: distinct(rec.conformity.map((c) => (c.pass === null ? undefined : String(c.pass)))),
    access_constraints: distinct(legal.flatMap((c) => c.accessConstraints)),
    other_constraints: distinct(legal.flatMap((c) => c.otherConstraints.map((o) => o.text))),
    classifications: distinct(legal.map((c) => c.classification)),
    use_limitations: distinct(legal.flatMap((c) => c.useLimitations.map((u) => u.text))),
    lineage: rec.lineage ?? null,
    party_roles: distinct(parties.map((p) => p.role)),
    specification_titles: distinct(rec.conformity.map((c) => c.specification.title)),
    specification_dates: distinct(rec.conformity.map((c) => isoInstant(c.specification.date))),
    specification_date_types: distinct(rec.conformity.map((c) => c.specification.dateType)),
    sources: distinct(group.sources),
    licence: rec.licence?.id ?? null,
  };
}

/** The catalogue columns catalogueValues fills, in a fixed order (the store's INSERT lists them so). */
export const CATALOGUE_COLUMNS: readonly string[] = Object.keys(
  catalogueValues('x', {
    identifier: null, hierarchyLevel: 'dataset', metadataContacts: [], locales: [], title: '', alternateTitles: [],
    translations: {}, resourceIdentifiers: [], dates: [], status: [], resourceContacts: [], keywords: [],
    topicCategories: [], resourceLanguages: [], bboxes: [], geographicDescriptions: [], temporalExtents: [],
    spatialRepresentationTypes: [], spatialResolutions: [], referenceSystems: [], constraints: [], conformity: [],
    distributionFormats: [], onlineResources: [], graphicOverviews: [],
  }, { members: [], sources: [] }),
);
