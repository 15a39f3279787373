/**
 * Normalised record → ISO 19139 (gmd:MD_Metadata, ISO/TS 19139:2007 with GML 3.2, as GeoNetwork 3+/4 and the
 * Géoplateforme publish it).
 *
 * The output validates against the ISO 19139 XSD whatever the record lacks (DESIGN §7): mandatory elements
 * without a value are written with gco:nilReason, dates in the gco type their lexical form allows, elements in
 * the XSD sequence order. Pure and deterministic: the same record always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { MdRecord } from '../types.ts';
import { ISO19139_PREFIXES, ISO19139_SCHEMA_LOCATION, NS_GMD } from './namespaces.ts';
import { gcoDate } from './write-date.ts';
import { distributionInfo, referenceSystems } from './write-distribution.ts';
import { dataIdentification } from './write-identification.ts';
import { responsibleParties } from './write-party.ts';
import { dataQualityInfo } from './write-quality.ts';
import { isService, serviceIdentification } from './write-service.ts';
import { codeList, has, language, localeId, text, type Node, type WriteContext } from './write-xml.ts';

export interface WriteIso19139Options {
  /** Indent the output (two spaces); compact by default. */
  pretty?: boolean;
}

/** Writes a record as an ISO 19139 gmd:MD_Metadata document (UTF-8, with XML declaration). */
export function writeIso19139(rec: MdRecord, opts: WriteIso19139Options = {}): string {
  // XML 1.0 forbids most C0 control characters, U+FFFE/U+FFFF and lone surrogates: harvested text does
  // carry them, and xmlbuilder2 drops them when told to rather than writing a document no parser accepts.
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' });
  const root = doc.ele(NS_GMD, 'gmd:MD_Metadata');
  for (const [prefix, uri] of Object.entries(ISO19139_PREFIXES)) {
    if (prefix !== 'gmd') root.att(`xmlns:${prefix}`, uri);
  }
  root.att('xsi:schemaLocation', ISO19139_SCHEMA_LOCATION);
  const ctx: WriteContext = { localeIds: new Map(), usedIds: new Set(), periods: 0 };
  metadataSection(ctx, root, rec);
  return doc.end({ prettyPrint: opts.pretty === true });
}

/** The children of MD_Metadata, in the order of MD_Metadata_Type's sequence. */
function metadataSection(ctx: WriteContext, root: Node, rec: MdRecord): void {
  text(ctx, root, 'gmd:fileIdentifier', rec.identifier ?? undefined);
  language(root, 'gmd:language', rec.metadataLanguage);
  if (has(rec.metadataCharacterSet)) {
    codeList(root, 'gmd:characterSet', 'gmd:MD_CharacterSetCode', rec.metadataCharacterSet);
  }
  text(ctx, root, 'gmd:parentIdentifier', rec.parentIdentifier);
  codeList(root, 'gmd:hierarchyLevel', 'gmd:MD_ScopeCode', rec.hierarchyLevel);
  text(ctx, root, 'gmd:hierarchyLevelName', rec.hierarchyLevelName);
  responsibleParties(ctx, root, 'gmd:contact', rec.metadataContacts, true);
  gcoDate(root, 'gmd:dateStamp', rec.metadataDate);
  text(ctx, root, 'gmd:metadataStandardName', rec.metadataStandard?.name);
  text(ctx, root, 'gmd:metadataStandardVersion', rec.metadataStandard?.version);
  locales(ctx, root, rec);
  referenceSystems(ctx, root, rec);
  if (isService(rec)) serviceIdentification(ctx, root, rec);
  else dataIdentification(ctx, root, rec);
  distributionInfo(ctx, root, rec);
  dataQualityInfo(ctx, root, rec);
}

/**
 * gmd:locale: a PT_Locale for every declared locale and for every other language a translation uses, so
 * that each LocalisedCharacterString/@locale points at a declared locale (ISO 19139 7.3). The encoding is
 * mandatory; this document is UTF-8.
 */
function locales(ctx: WriteContext, root: Node, rec: MdRecord): void {
  for (const lang of localeLanguages(rec)) {
    const locale = root.ele('gmd:locale').ele('gmd:PT_Locale').att('id', localeId(ctx, lang));
    language(locale, 'gmd:languageCode', lang);
    codeList(locale, 'gmd:characterEncoding', 'gmd:MD_CharacterSetCode', 'utf8');
  }
}

/** Declared locales first, in record order, then undeclared translation languages in code order. */
export function localeLanguages(rec: MdRecord): string[] {
  const declared = rec.locales.filter(has);
  const used = new Set<string>();
  const t = rec.translations;
  for (const tr of [t.title, t.abstract, t.purpose, t.lineage]) for (const k of Object.keys(tr ?? {})) used.add(k);
  for (const g of rec.keywords) for (const k of g.keywords) for (const l of Object.keys(k.translations ?? {})) used.add(l);
  for (const p of [...rec.metadataContacts, ...rec.resourceContacts]) {
    for (const l of Object.keys(p.organisationNameTranslations ?? {})) used.add(l);
  }
  const extra = [...used].filter((l) => has(l) && !declared.includes(l)).sort();
  return [...new Set(declared), ...extra];
}

/**
 * The record as a gmd:MD_Metadata element to embed in another document (a CSW response holds many): no XML
 * declaration, and its xs:ID values prefixed per record (see prefixXmlIds). `idsOf` is the record whose
 * identifier names the prefix (the full record, when `rec` is a reduced copy of it).
 */
export function writeIso19139Element(rec: MdRecord, idsOf: MdRecord = rec): string {
  const xml = writeIso19139(rec).replace(/^\uFEFF?\s*<\?xml[^]*?\?>\s*/, '');
  return prefixXmlIds(xml, idPrefix(idsOf));
}

/**
 * The xs:ID values of a written record (PT_Locale/@id, gml:TimePeriod/@gml:id: "FRE", "period1"…) prefixed,
 * and the LocalisedCharacterString/@locale references with them. The ISO writer makes them unique within one
 * record; a CSW response holds many records in ONE document, where xs:ID values must be unique too (the
 * schema rejects the second "period1"). The prefix comes from the record identifier, so the output stays
 * deterministic.
 *
 * Parse-free: in xmlbuilder2 output '<' only starts markup (text escapes it) and attribute values are
 * double-quoted without '"' inside, so start tags are matched exactly.
 */
export function prefixXmlIds(xml: string, prefix: string): string {
  return xml.replace(/<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+="[^"]*")*)(\s*\/?>)/g, (tag, name: string, attrs: string, end: string) => {
    if (!attrs) return tag;
    let out = attrs.replace(/(\s)gml:id="/g, `$1gml:id="${prefix}`).replace(/(\s)locale="#/g, `$1locale="#${prefix}`);
    if (name === 'gmd:PT_Locale') out = out.replace(/(\s)id="/g, `$1id="${prefix}`);
    return `<${name}${out}${end}`;
  });
}

/** An NCName prefix for the ids of one record: a short digest of its identifier. */
function idPrefix(rec: MdRecord): string {
  return `r${createHash('sha1').update(rec.identifier ?? rec.title ?? '').digest('hex').slice(0, 8)}_`;
}
