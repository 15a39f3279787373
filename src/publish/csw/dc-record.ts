/**
 * A catalogue record as csw:BriefRecord / csw:SummaryRecord / csw:Record (CSW 2.0.2 record.xsd, OGC 07-006r1
 * §10.2.5), derived from the normalised record. Returned as an element string without XML declaration that
 * declares its own namespaces, to be embedded in csw:SearchResults or csw:GetRecordByIdResponse.
 *
 * Element order: BriefRecordType and SummaryRecordType are sequences, so the fields below are listed in
 * their order (identifier, title, type, subject, format, relation, modified, abstract, spatial, then the
 * bounding boxes); csw:Record (full) accepts Dublin Core elements in any order before its bounding boxes.
 *
 * Bounding boxes: crs urn:ogc:def:crs:EPSG::4326 with latitude/longitude axis order, as pycsw writes them.
 * OWSLib (QGIS MetaSearch) reads the CRS and swaps the corners back for EPSG:4326 (owslib.crs axisorder 'yx').
 */
import { findQueryable } from '../../../mappings/queryables.ts';
import { toAnyUri } from '../../../mappings/iso19139/write-uri.ts';
import type { MdRecord, ResponsibleParty } from '../../../mappings/types.ts';
import { HubError } from '../../errors.ts';
import { getRecordByIdUrl, type ElementSet } from './domains.ts';
import { NS_CSW, NS_DC, NS_DCT, NS_OWS, OUTPUT_SCHEMA_GMD } from './namespaces.ts';
import { attribute, newRoot, serialize, textElement, type Node } from './xml.ts';

export interface DcRecordOptions {
  /** The record's public identifier (its fileIdentifier, or the hub's id when it has none). */
  identifier: string;
  elementSet: ElementSet;
  /** ElementName of the request: only these elements, in a csw:Record (OGC 07-006r1 §10.8.4.9). */
  elementNames?: readonly string[];
  /** dct:modified; the record's metadata date by default. */
  modified?: string | Date;
  /** Public base URL of the hub (dct:references to the ISO 19139 form of the record). */
  baseUrl: string;
}

export const BBOX_CRS = 'urn:ogc:def:crs:EPSG::4326';

interface DcValue {
  text: string;
  scheme?: string;
}

type Level = 0 | 1 | 2;
const LEVEL: Record<ElementSet, Level> = { brief: 0, summary: 1, full: 2 };

interface DcField {
  name: string;
  /** The smallest element set the field belongs to. */
  level: Level;
  values: (rec: MdRecord, opts: DcRecordOptions) => DcValue[];
}

const values = (texts: (string | undefined | null)[]): DcValue[] =>
  [...new Set(texts.map((t) => t?.trim() ?? '').filter((t) => t !== ''))].map((text) => ({ text }));

/** Role → Dublin Core agent element (roles not listed are contributors). */
const AGENT: Record<string, 'dc:creator' | 'dc:publisher'> = {
  author: 'dc:creator', originator: 'dc:creator', owner: 'dc:creator', principalInvestigator: 'dc:creator',
  publisher: 'dc:publisher', distributor: 'dc:publisher',
};
const agentOf = (p: ResponsibleParty): string => AGENT[p.role] ?? 'dc:contributor';
const agents = (rec: MdRecord, element: string): DcValue[] =>
  values(rec.resourceContacts.filter((p) => agentOf(p) === element).map((p) => p.organisationName ?? p.individualName));

/** The Dublin Core fields, in the order of the brief and summary sequences, then the full-only ones. */
const FIELDS: readonly DcField[] = [
  { name: 'dc:identifier', level: 0, values: (_, o) => [{ text: o.identifier }] },
  { name: 'dc:title', level: 0, values: (r, o) => [{ text: r.title?.trim() || o.identifier }] },
  { name: 'dc:type', level: 0, values: (r) => [{ text: r.hierarchyLevel?.trim() || 'dataset' }] },
  { name: 'dc:subject', level: 1, values: (r) => values([...r.keywords.flatMap((g) => g.keywords.map((k) => k.text)), ...r.topicCategories]) },
  { name: 'dc:format', level: 1, values: (r) => values(r.distributionFormats.map((f) => f.name)) },
  { name: 'dc:relation', level: 1, values: (r) => values([r.parentIdentifier, ...(r.service?.operatesOn.map((o) => o.uuidref ?? o.href) ?? [])]) },
  { name: 'dct:modified', level: 1, values: (r, o) => values([modified(r, o)]) },
  { name: 'dct:abstract', level: 1, values: (r) => values([r.abstract]) },
  { name: 'dct:spatial', level: 1, values: (r) => values(r.geographicDescriptions) },
  { name: 'dc:creator', level: 2, values: (r) => agents(r, 'dc:creator') },
  { name: 'dc:publisher', level: 2, values: (r) => agents(r, 'dc:publisher') },
  { name: 'dc:contributor', level: 2, values: (r) => agents(r, 'dc:contributor') },
  { name: 'dc:language', level: 2, values: (r) => values(r.resourceLanguages.length > 0 ? r.resourceLanguages : [r.metadataLanguage]) },
  { name: 'dc:rights', level: 2, values: rights },
  { name: 'dc:source', level: 2, values: (r) => values([r.lineage]) },
  { name: 'dct:references', level: 2, values: references },
];

/** ows:BoundingBox closes every record type; it is selectable by ElementName like the fields. */
const BOUNDING_BOX = 'ows:BoundingBox';

/** Every element name a csw:Record response can hold. */
export const DC_ELEMENT_NAMES: readonly string[] = [...FIELDS.map((f) => f.name), BOUNDING_BOX];

function modified(rec: MdRecord, opts: DcRecordOptions): string | undefined {
  if (opts.modified instanceof Date) return Number.isNaN(opts.modified.getTime()) ? undefined : opts.modified.toISOString();
  return opts.modified ?? rec.metadataDate;
}

function rights(rec: MdRecord): DcValue[] {
  const c = rec.constraints;
  return values([
    rec.licence?.label,
    ...c.flatMap((x) => x.otherConstraints.map((o) => o.text)),
    ...c.flatMap((x) => x.useLimitations.map((u) => u.text)),
  ]);
}

/** Online resources with their protocol as scheme (how OWSLib and QGIS pick WMS/WFS links), then the ISO form. */
function references(rec: MdRecord, opts: DcRecordOptions): DcValue[] {
  const links = rec.onlineResources
    .filter((o) => o.url?.trim())
    .map((o) => ({ text: o.url.trim(), scheme: o.protocol?.trim() || undefined }));
  const iso = getRecordByIdUrl(`${opts.baseUrl.replace(/\/+$/, '')}/csw`, opts.identifier, OUTPUT_SCHEMA_GMD);
  return [...links, { text: iso, scheme: OUTPUT_SCHEMA_GMD }];
}

/**
 * The output element an ElementName designates: a Dublin Core element or ows:BoundingBox, matched
 * case-insensitively, or the Dublin Core counterpart of a queryable (apiso:Title → dc:title). Undefined when
 * there is none.
 */
export function dcElementName(name: string): string | undefined {
  const lower = name.trim().replace(/^\/+/, '').toLowerCase();
  const direct = DC_ELEMENT_NAMES.find((n) => n.toLowerCase() === lower);
  if (direct) return direct;
  const q = findQueryable(name);
  if (!q) return undefined;
  const candidates = [q.name, ...q.aliases].map((a) => a.toLowerCase());
  return DC_ELEMENT_NAMES.find((n) => candidates.includes(n.toLowerCase()));
}

/** The element names requested, resolved, or a HubError naming the first unknown one. */
export function resolveDcElementNames(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const el = dcElementName(n);
    if (!el) throw new HubError('invalid_parameter', `ElementName "${n}" is not an element of csw:Record.`, { locator: 'ElementName' });
    out.add(el);
  }
  return out;
}

const ROOT: Record<ElementSet, string> = { brief: 'csw:BriefRecord', summary: 'csw:SummaryRecord', full: 'csw:Record' };

/** The record element (no XML declaration) for an element set or a list of element names. */
export function dcRecord(rec: MdRecord, opts: DcRecordOptions): string {
  const selected = opts.elementNames?.length ? resolveDcElementNames(opts.elementNames) : undefined;
  const rootName = selected ? 'csw:Record' : ROOT[opts.elementSet];
  const root = newRoot(NS_CSW, rootName, { csw: NS_CSW, dc: NS_DC, dct: NS_DCT, ows: NS_OWS }, false);
  const wanted = (name: string, level: Level): boolean => (selected ? selected.has(name) : level <= LEVEL[opts.elementSet]);
  for (const field of FIELDS) {
    if (!wanted(field.name, field.level)) continue;
    for (const v of field.values(rec, opts)) dcElement(root, field.name, v);
  }
  if (wanted(BOUNDING_BOX, 0)) boundingBoxes(root, rec);
  return serialize(root, true);
}

function dcElement(parent: Node, name: string, v: DcValue): void {
  const el = textElement(parent, name, v.text);
  if (v.scheme) attribute(el, 'scheme', toAnyUri(v.scheme));
}

/** One ows:BoundingBox per geographic bounding box, latitude first (EPSG:4326 axis order). */
function boundingBoxes(parent: Node, rec: MdRecord): void {
  for (const b of rec.bboxes) {
    if (![b.west, b.east, b.south, b.north].every(Number.isFinite)) continue;
    const bb = parent.ele('ows:BoundingBox').att('crs', BBOX_CRS).att('dimensions', '2');
    bb.ele('ows:LowerCorner').txt(`${b.south} ${b.west}`);
    bb.ele('ows:UpperCorner').txt(`${b.north} ${b.east}`);
  }
}
