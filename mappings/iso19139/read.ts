/**
 * ISO 19139 (gmd:MD_Metadata, gmi:MI_Metadata and profiles of them) -> MdRecord. A pure mapping (STYLE §6):
 * parse, then read each section with the read-*.ts readers; every problem becomes an issue naming its XML
 * location. Throws MappingError only when the input is not XML or not an ISO 19139 record at all.
 */
import { MappingError, type MappingIssue, type MappingResult, type MdRecord } from '../types.ts';
import { first, firstElement, parseXml, qualifiedName, select, XmlError, type XmlElement } from '../xml/index.ts';
import { NS_GMD, NS_GMI, NS_SRV } from './namespaces.ts';
import { ANY, assign, code, error, gmd, language, textAt, warn, type ReadContext } from './read-context.ts';
import { licenceOf, readConstraints } from './read-constraints.ts';
import { readDistribution } from './read-distribution.ts';
import { readExtents } from './read-extent.ts';
import { readIdentification, readIdentifiers } from './read-identification.ts';
import { readKeywords } from './read-keywords.ts';
import { readParties } from './read-party.ts';
import { readQuality } from './read-quality.ts';
import { readService } from './read-service.ts';
import { dateValue } from './read-values.ts';

/** Root elements read without remark, as `{namespace}localName`. */
const ISO_ROOTS: ReadonlySet<string> = new Set([`{${NS_GMD}}MD_Metadata`, `{${NS_GMI}}MI_Metadata`]);

/** Maps an ISO 19139 document (bytes with their declared encoding, or text). */
export function readIso19139(input: string | Buffer): MappingResult {
  let doc;
  try {
    doc = parseXml(input);
  } catch (e) {
    if (e instanceof XmlError) throw new MappingError(`cannot read ISO 19139 document: ${e.message}`);
    throw e;
  }
  const result = readIso19139Element(doc.root);
  const decoding: MappingIssue[] = doc.warnings.map((message) => ({ severity: 'warning', path: '/', message }));
  return { record: result.record, issues: [...decoding, ...result.issues] };
}

/**
 * Maps an already parsed ISO record element, e.g. one gmd:MD_Metadata of a CSW GetRecords page. Issue paths
 * start at this element.
 */
export function readIso19139Element(root: XmlElement): MappingResult {
  const ctx: ReadContext = { root, locales: readLocaleIds(root), issues: [] };
  checkRoot(ctx, root);
  return { record: readRecord(ctx, root), issues: ctx.issues };
}

/** Known roots pass; a profile root (che:CHE_MD_Metadata…) passes with a warning if it has gmd children. */
function checkRoot(ctx: ReadContext, root: XmlElement): void {
  if (ISO_ROOTS.has(`{${root.uri}}${root.local}`)) return;
  const name = qualifiedName(root);
  if (select(root, [NS_GMD, '*']).length === 0) {
    throw new MappingError(`not an ISO 19139 record: root element ${name} {${root.uri}}${root.local}`, `/${name}`);
  }
  warn(ctx, root, `profile root ${name} {${root.uri}} read as gmd:MD_Metadata`);
}

/** gmd:locale/PT_Locale: '#id' and 'id' -> language code, for PT_FreeText references. */
function readLocaleIds(root: XmlElement): Map<string, string> {
  const ids = new Map<string, string>();
  for (const locale of select(root, gmd('locale'), ANY)) {
    const id = locale.attributes.find((a) => a.local === 'id')?.value.trim();
    const lang = language(first(locale, gmd('languageCode')));
    if (id && lang) ids.set(`#${id}`, lang).set(id, lang);
  }
  return ids;
}

function readRecord(ctx: ReadContext, root: XmlElement): MdRecord {
  const header = readHeader(ctx, root);
  const ident = primaryIdentification(ctx, root, header.hierarchyLevel);
  const identification = ident ? readIdentification(ctx, ident) : emptyIdentification();
  const quality = readQuality(ctx, root);
  const constraints = ident ? readConstraints(ctx, ident) : [];
  const record: MdRecord = {
    ...header,
    ...identification,
    keywords: ident ? readKeywords(ctx, ident) : [],
    ...(ident ? readExtents(ctx, ident) : { bboxes: [], geographicDescriptions: [], temporalExtents: [] }),
    referenceSystems: readIdentifiers(select(root, gmd('referenceSystemInfo'), ANY, gmd('referenceSystemIdentifier'), ANY)),
    constraints,
    conformity: quality.conformity,
    ...readDistribution(ctx, root),
  };
  assign(record, 'licence', licenceOf(constraints));
  assign(record, 'lineage', quality.lineage);
  assign(record.translations, 'lineage', quality.lineageTranslations);
  if (ident && isService(ident)) record.service = readService(ctx, ident);
  return record;
}

type Header = Pick<
  MdRecord,
  | 'identifier' | 'parentIdentifier' | 'hierarchyLevel' | 'hierarchyLevelName' | 'metadataStandard' | 'metadataLanguage'
  | 'metadataCharacterSet' | 'metadataDate' | 'metadataContacts' | 'locales'
>;

function readHeader(ctx: ReadContext, root: XmlElement): Header {
  const identifier = textAt(root, gmd('fileIdentifier'));
  if (!identifier) warn(ctx, root, 'gmd:fileIdentifier is missing: record has no identifier');
  const level = code(first(root, gmd('hierarchyLevel')));
  if (!level) warn(ctx, root, 'gmd:hierarchyLevel is missing: dataset assumed');
  const header: Header = {
    identifier: identifier ?? null,
    hierarchyLevel: level ?? 'dataset',
    metadataContacts: readParties(ctx, select(root, gmd('contact'))),
    locales: [...new Set(select(root, gmd('locale'), ANY).map((l) => language(first(l, gmd('languageCode')))))].filter(
      (l): l is string => !!l,
    ),
  };
  assign(header, 'parentIdentifier', textAt(root, gmd('parentIdentifier')));
  assign(header, 'hierarchyLevelName', textAt(root, gmd('hierarchyLevelName')));
  const standard = textAt(root, gmd('metadataStandardName'));
  if (standard) header.metadataStandard = withVersion(standard, textAt(root, gmd('metadataStandardVersion')));
  assign(header, 'metadataLanguage', language(first(root, gmd('language'))));
  assign(header, 'metadataCharacterSet', code(first(root, gmd('characterSet'))));
  const stamp = first(root, gmd('dateStamp'));
  assign(header, 'metadataDate', dateValue(ctx, stamp));
  if (!stamp) warn(ctx, root, 'gmd:dateStamp is missing');
  return header;
}

function withVersion(name: string, version: string | undefined): { name: string; version?: string } {
  return version ? { name, version } : { name };
}

function isService(ident: XmlElement): boolean {
  return ident.uri === NS_SRV || ident.local.endsWith('ServiceIdentification');
}

/**
 * The identification the record describes: the first one, except that a service record is described by its
 * service identification when it also carries data identifications.
 */
function primaryIdentification(ctx: ReadContext, root: XmlElement, level: string): XmlElement | undefined {
  const all = select(root, gmd('identificationInfo')).map(firstElement).filter((e): e is XmlElement => !!e);
  if (all.length === 0) {
    error(ctx, root, 'gmd:identificationInfo is missing: no title, abstract or extent');
    return undefined;
  }
  const primary = (level === 'service' && all.find(isService)) || all[0];
  if ((level === 'service') !== isService(primary)) {
    warn(ctx, primary, `hierarchyLevel is ${level} but the identification is ${qualifiedName(primary)}`);
  }
  return primary;
}

function emptyIdentification(): ReturnType<typeof readIdentification> {
  return {
    title: '', alternateTitles: [], translations: {}, resourceIdentifiers: [], dates: [], status: [], resourceContacts: [],
    topicCategories: [], resourceLanguages: [], spatialRepresentationTypes: [], spatialResolutions: [], graphicOverviews: [],
  };
}
