/**
 * CSW 2.0.2 Dublin Core records (csw:Record, csw:SummaryRecord, csw:BriefRecord; OGC 07-006r1 §7.2.2 and
 * Table 23) -> MdRecord. A pure mapping (STYLE §6): every value that cannot be used becomes an issue naming its
 * XML location. What GeoNetwork puts where (its csw-full templates): dc:source is the lineage, dc:rights the
 * MD_RestrictionCode values, dc:subject also carries ISO topic categories, dc:URI (with protocol / name /
 * description attributes) the online resources, relative thumbnail URLs included.
 */
import { recogniseLicence } from './iso19139/licences.ts';
import { normaliseDate } from './iso19139/read-values.ts';
import {
  MappingError, type BoundingBox, type Constraint, type KeywordGroup, type MappingIssue, type MappingResult, type MdRecord,
  type OnlineResource, type RawDocument, type ResponsibleParty,
} from './types.ts';
import { attribute, locate, parseXml, qualifiedName, select, textOf, XmlError, type Step, type XmlElement } from './xml/index.ts';
import { emptyRecord } from './record.ts';

export const NS_CSW = 'http://www.opengis.net/cat/csw/2.0.2';
const NS_DC = 'http://purl.org/dc/elements/1.1/';
const NS_DCT = 'http://purl.org/dc/terms/';
const NS_OWS = ['http://www.opengis.net/ows', 'http://www.opengis.net/ows/1.1'];

const dc = (local: string): Step => [NS_DC, local];
const dct = (local: string): Step => [NS_DCT, local];

/** The root elements this mapping reads, by local name in the CSW namespace. */
export const DUBLIN_CORE_ROOTS = ['Record', 'SummaryRecord', 'BriefRecord'] as const;

interface Ctx {
  root: XmlElement;
  issues: MappingIssue[];
  /** The document's URL, against which relative links are resolved (GeoNetwork's `resources.get?…`). */
  base?: string;
}

function warn(ctx: Ctx, el: XmlElement, message: string): void {
  ctx.issues.push({ severity: 'warning', path: locate(el, ctx.root), message });
}

/** Maps a harvested csw:Record / SummaryRecord / BriefRecord document. */
export function readDublinCore(raw: RawDocument): MappingResult {
  let root: XmlElement;
  try {
    root = parseXml(raw.bytes).root;
  } catch (e) {
    if (e instanceof XmlError) throw new MappingError(`cannot read Dublin Core record: ${e.message}`);
    throw e;
  }
  return readDublinCoreElement(root, raw.url);
}

/** Maps an already parsed csw:Record / SummaryRecord / BriefRecord; `base` resolves relative links. */
export function readDublinCoreElement(root: XmlElement, base?: string): MappingResult {
  if (root.uri !== NS_CSW || !(DUBLIN_CORE_ROOTS as readonly string[]).includes(root.local)) {
    throw new MappingError(`not a CSW Dublin Core record: root element {${root.uri}}${root.local}`, `/${qualifiedName(root)}`);
  }
  const ctx: Ctx = { root, issues: [], ...(base && /^https?:/i.test(base) ? { base } : {}) };
  return { record: readRecord(ctx, root), issues: ctx.issues };
}

function readRecord(ctx: Ctx, root: XmlElement): MdRecord {
  const identifier = textAt(root, dc('identifier'));
  if (!identifier) warn(ctx, root, 'dc:identifier is missing: record has no identifier');
  const title = textAt(root, dc('title'));
  if (!title) warn(ctx, root, 'dc:title is missing');
  const { keywords, topicCategories } = readSubjects(root);
  const constraints = readRights(root);
  const links = readLinks(ctx, root);
  const record: MdRecord = {
    ...emptyRecord(),
    identifier: identifier ?? null,
    ...readType(ctx, root),
    title: title ?? '',
    alternateTitles: texts(root, dct('alternative')),
    dates: readDates(ctx, root),
    resourceContacts: readParties(root),
    keywords,
    topicCategories,
    resourceLanguages: unique(texts(root, dc('language'))),
    bboxes: readBboxes(ctx, root),
    geographicDescriptions: unique(texts(root, dct('spatial'))),
    constraints,
    distributionFormats: unique(texts(root, dc('format'))).map((name) => ({ name })),
    onlineResources: links.online,
    graphicOverviews: links.overviews,
  };
  const abstract = textAt(root, dct('abstract')) ?? textAt(root, dc('description'));
  if (abstract) record.abstract = abstract;
  const lineage = textAt(root, dc('source'));
  if (lineage) record.lineage = lineage;
  const modified = dateAt(ctx, root, dct('modified'));
  if (modified) record.metadataDate = modified;
  const licence = licenceOf(root);
  if (licence) record.licence = licence;
  return record;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

function clean(s: string): string | undefined {
  const t = s.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
}

function textAt(el: XmlElement, step: Step): string | undefined {
  for (const e of select(el, step)) {
    const t = clean(textOf(e));
    if (t) return t;
  }
  return undefined;
}

function texts(el: XmlElement, step: Step): string[] {
  return select(el, step).map((e) => clean(textOf(e))).filter((t): t is string => t !== undefined);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function dateAt(ctx: Ctx, root: XmlElement, step: Step): string | undefined {
  for (const e of select(root, step)) {
    const raw = clean(textOf(e));
    if (!raw) continue;
    const date = normaliseDate(raw);
    if (date) return date;
    warn(ctx, e, `unparseable date "${raw}" dropped`);
  }
  return undefined;
}

/**
 * dc:type -> hierarchy level: ISO scope codes as GeoNetwork writes them pass through; DCMI Type vocabulary terms
 * (pycsw writes the URIs) are translated; anything else is a dataset named by what was found.
 */
const DCMI_TYPES: Readonly<Record<string, string>> = {
  dataset: 'dataset',
  service: 'service',
  collection: 'series',
  software: 'software',
  image: 'dataset',
  stillimage: 'dataset',
  movingimage: 'dataset',
  text: 'nonGeographicDataset',
  interactiveresource: 'application',
};

const SCOPE_CODES = new Set([
  'attribute', 'attributeType', 'collectionHardware', 'collectionSession', 'dataset', 'series', 'nonGeographicDataset',
  'dimensionGroup', 'feature', 'featureType', 'propertyType', 'fieldSession', 'software', 'service', 'model', 'tile',
  'application', 'initiative', 'repository', 'document',
]);

function readType(ctx: Ctx, root: XmlElement): Pick<MdRecord, 'hierarchyLevel' | 'hierarchyLevelName'> {
  const el = select(root, dc('type'))[0];
  const raw = el && clean(textOf(el));
  if (!el || !raw) return { hierarchyLevel: 'dataset' };
  if (SCOPE_CODES.has(raw)) return { hierarchyLevel: raw };
  const term = raw.replace(/^https?:\/\/purl\.org\/dc\/dcmitype\//i, '').toLowerCase();
  const level = DCMI_TYPES[term];
  if (level) return { hierarchyLevel: level, hierarchyLevelName: raw };
  warn(ctx, el, `unknown dc:type "${raw}": dataset assumed`);
  return { hierarchyLevel: 'dataset', hierarchyLevelName: raw };
}

/** dc:date (a date of the resource: publication, DCMI's usual reading), dct:created, dct:issued. */
function readDates(ctx: Ctx, root: XmlElement): MdRecord['dates'] {
  const out: MdRecord['dates'] = [];
  const add = (step: Step, type: string): void => {
    const date = dateAt(ctx, root, step);
    if (date && !out.some((d) => d.date === date && d.type === type)) out.push({ date, type });
  };
  add(dct('created'), 'creation');
  add(dct('issued'), 'publication');
  add(dc('date'), 'publication');
  return out;
}

/** MD_TopicCategoryCode values: GeoNetwork writes the topic categories as plain dc:subject. */
const TOPIC_CATEGORIES = new Set([
  'farming', 'biota', 'boundaries', 'climatologyMeteorologyAtmosphere', 'economy', 'elevation', 'environment',
  'geoscientificInformation', 'health', 'imageryBaseMapsEarthCover', 'intelligenceMilitary', 'inlandWaters', 'location',
  'oceans', 'planningCadastre', 'society', 'structure', 'transportation', 'utilitiesCommunication',
]);

/** dc:subject -> keyword groups (one per @scheme, which names the thesaurus) and topic categories. */
function readSubjects(root: XmlElement): { keywords: KeywordGroup[]; topicCategories: string[] } {
  const groups = new Map<string, KeywordGroup>();
  const topicCategories: string[] = [];
  for (const el of select(root, dc('subject'))) {
    const text = clean(textOf(el));
    if (!text) continue;
    const scheme = clean(attribute(el, '', 'scheme') ?? '') ?? '';
    if (!scheme && TOPIC_CATEGORIES.has(text)) {
      if (!topicCategories.includes(text)) topicCategories.push(text);
      continue;
    }
    let group = groups.get(scheme);
    if (!group) {
      group = { keywords: [] };
      if (scheme) group.thesaurus = /^https?:/i.test(scheme) ? { title: scheme, href: scheme } : { title: scheme };
      groups.set(scheme, group);
    }
    if (!group.keywords.some((k) => k.text === text)) group.keywords.push({ text });
  }
  return { keywords: [...groups.values()], topicCategories };
}

/** dc:creator / publisher / contributor: names only; the roles closest in CI_RoleCode (ISO 19115-1 for contributor). */
function readParties(root: XmlElement): ResponsibleParty[] {
  const roles: [string, string][] = [['creator', 'author'], ['publisher', 'publisher'], ['contributor', 'contributor']];
  const out: ResponsibleParty[] = [];
  for (const [local, role] of roles) {
    for (const name of unique(texts(root, dc(local)))) out.push({ organisationName: name, role });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rights and licence

/** MD_RestrictionCode values, which GeoNetwork writes as dc:rights. */
const RESTRICTION_CODES = new Set([
  'copyright', 'patent', 'patentPending', 'trademark', 'license', 'intellectualPropertyRights', 'restricted', 'otherRestrictions',
  'unrestricted', 'licenceUnrestricted', 'licenceEndUser', 'licenceDistributor', 'private', 'statutory', 'confidential',
  'sensitiveButUnclassified', 'in-confidence',
]);

/** dc:rights, dct:accessRights, dct:license -> one legal constraint (codes as access constraints, text as other). */
function readRights(root: XmlElement): Constraint[] {
  const values = unique([...texts(root, dc('rights')), ...texts(root, dct('accessRights')), ...texts(root, dct('license'))]);
  if (values.length === 0) return [];
  const codes = values.filter((v) => RESTRICTION_CODES.has(v));
  const other = values.filter((v) => !RESTRICTION_CODES.has(v)).map((v) => (/^https?:\/\//i.test(v) ? { text: v, href: v } : { text: v }));
  return [{ kind: 'legal', useLimitations: [], accessConstraints: codes, useConstraints: [], otherConstraints: other }];
}

/** The licence named by dct:license, else by dc:rights / dct:rights / dct:accessRights. */
function licenceOf(root: XmlElement): MdRecord['licence'] {
  for (const step of [dct('license'), dc('rights'), dct('rights'), dct('accessRights')]) {
    for (const el of select(root, step)) {
      const licence = recogniseLicence(textOf(el)) ?? recogniseLicence(attribute(el, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'resource'));
      if (licence) return licence;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Links

const LINK_STEPS: Step[] = [dc('URI'), dct('references'), dc('relation')];

/** dc:URI, dct:references and URL-valued dc:relation -> online resources; thumbnails -> graphic overviews. */
function readLinks(ctx: Ctx, root: XmlElement): { online: OnlineResource[]; overviews: MdRecord['graphicOverviews'] } {
  const online: OnlineResource[] = [];
  const overviews: MdRecord['graphicOverviews'] = [];
  for (const el of LINK_STEPS.flatMap((step) => select(root, step))) {
    const raw = clean(textOf(el));
    if (!raw) continue;
    // dc:relation usually names another record (urn:uuid:…): not a link; the model has no related-record field.
    if (el.local === 'relation' && !/^(https?|ftp):\/\//i.test(raw)) continue;
    const url = resolve(ctx, el, raw);
    if (!url) continue;
    const protocol = clean(attribute(el, '', 'protocol') ?? attribute(el, '', 'scheme') ?? '');
    const name = clean(attribute(el, '', 'name') ?? '');
    const description = clean(attribute(el, '', 'description') ?? '');
    if (isThumbnail(name, protocol)) {
      if (!overviews.some((o) => o.url === url)) overviews.push({ url, ...(name ? { description: name } : {}), ...(protocol?.startsWith('image/') ? { type: protocol } : {}) });
      continue;
    }
    if (online.some((o) => o.url === url && o.protocol === protocol && o.name === name)) continue;
    const res: OnlineResource = { url };
    if (protocol) res.protocol = protocol;
    if (name) res.name = name;
    if (description) res.description = description;
    online.push(res);
  }
  return { online, overviews };
}

/** GeoNetwork names its thumbnails "thumbnail" / "large_thumbnail" and gives an image type as protocol. */
function isThumbnail(name: string | undefined, protocol: string | undefined): boolean {
  return /(^|_)thumbnail$/i.test(name ?? '') || !!protocol?.startsWith('image/');
}

/** An absolute URL, a relative one resolved against the document URL, or undefined (with a warning). */
function resolve(ctx: Ctx, el: XmlElement, raw: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) return raw;
  if (ctx.base) {
    try {
      return new URL(raw, ctx.base).href;
    } catch {
      // fall through to the warning
    }
  }
  warn(ctx, el, `relative link "${raw}" dropped: no base URL to resolve it against`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Bounding boxes

/** CRS URIs whose axis order is latitude, longitude (EPSG:4326 as an OGC URN or URI). */
const LAT_LON = /^(urn:(x-)?ogc:def:crs:EPSG:[\d.]*:4326|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/4326)$/i;
/** CRS written with longitude first: CRS84, and the legacy "EPSG:4326" of GIS software. */
const LON_LAT = /^(urn:ogc:def:crs:OGC:(1\.3|[\d.]*):CRS84|https?:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84|EPSG:4326)$/i;
const NS_GEONETWORK = 'http://www.fao.org/geonetwork';

/** ows:BoundingBox and ows:WGS84BoundingBox -> WGS 84 boxes; boxes in other CRSs are kept only when in degrees. */
function readBboxes(ctx: Ctx, root: XmlElement): BoundingBox[] {
  const out: BoundingBox[] = [];
  for (const el of [...select(root, [NS_OWS, 'WGS84BoundingBox']), ...select(root, [NS_OWS, 'BoundingBox'])]) {
    const box = readBbox(ctx, el);
    if (box && !out.some((b) => b.west === box.west && b.east === box.east && b.south === box.south && b.north === box.north)) out.push(box);
  }
  return out;
}

function corner(el: XmlElement, local: string): [number, number] | undefined {
  const raw = clean(textOf(select(el, [NS_OWS, local])[0] ?? el).replace(/,/g, ' '));
  const parts = raw?.split(' ').map(Number);
  return parts && parts.length >= 2 && parts.every(Number.isFinite) ? [parts[0], parts[1]] : undefined;
}

function readBbox(ctx: Ctx, el: XmlElement): BoundingBox | undefined {
  const lower = corner(el, 'LowerCorner');
  const upper = corner(el, 'UpperCorner');
  if (!lower || !upper) {
    warn(ctx, el, 'bounding box without two numeric corners dropped');
    return undefined;
  }
  const crs = clean(attribute(el, '', 'crs') ?? '') ?? '';
  const order = axisOrder(ctx, el, crs, lower, upper);
  if (!order) return undefined;
  const [x1, y1, x2, y2] = order === 'lonlat' ? [lower[0], lower[1], upper[0], upper[1]] : [lower[1], lower[0], upper[1], upper[0]];
  const box = { west: Math.min(x1, x2), east: Math.max(x1, x2), south: Math.min(y1, y2), north: Math.max(y1, y2) };
  if (x1 > x2 || y1 > y2) warn(ctx, el, 'bounding box corners in the wrong order (lower corner above the upper one): swapped');
  if (box.west < -180 || box.east > 180 || box.south < -90 || box.north > 90) {
    warn(ctx, el, `bounding box outside WGS 84 degrees dropped (${lower.join(' ')}, ${upper.join(' ')})`);
    return undefined;
  }
  return box;
}

/**
 * The axis order of a box. ows:WGS84BoundingBox and CRS84 are longitude first; EPSG:4326 URNs are latitude first
 * (pycsw writes them so) — except in GeoNetwork's output, which writes longitude first under that URN (and, in
 * older versions, east before west in the lower corner): a record carrying GeoNetwork's namespace, or with that
 * swapped-longitude signature, is read longitude first. Other CRSs are kept only when the numbers are degrees
 * (GeoNetwork labels WGS 84 boxes with the dataset's projected CRS); no reprojection is attempted.
 */
function axisOrder(ctx: Ctx, el: XmlElement, crs: string, lower: number[], upper: number[]): 'lonlat' | 'latlon' | undefined {
  if (el.local === 'WGS84BoundingBox' || !crs || LON_LAT.test(crs)) return 'lonlat';
  if (LAT_LON.test(crs)) {
    const geonetwork = declaresGeoNetwork(ctx.root) || (lower[0] > upper[0] && lower[1] <= upper[1]);
    const latOk = Math.abs(lower[0]) <= 90 && Math.abs(upper[0]) <= 90;
    return geonetwork || !latOk ? 'lonlat' : 'latlon';
  }
  const degrees = [lower[0], upper[0]].every((v) => Math.abs(v) <= 180) && [lower[1], upper[1]].every((v) => Math.abs(v) <= 90);
  if (degrees) {
    warn(ctx, el, `bounding box CRS "${crs}" but coordinates in degrees: read as WGS 84 longitude, latitude`);
    return 'lonlat';
  }
  warn(ctx, el, `bounding box in CRS "${crs}" dropped: only WGS 84 boxes are kept`);
  return undefined;
}

function declaresGeoNetwork(root: XmlElement): boolean {
  return Object.values(root.declarations ?? {}).includes(NS_GEONETWORK);
}
