/**
 * ISO 19139 writers for identificationInfo: the AbstractMD_Identification part shared by datasets and
 * services, keywords, and gmd:MD_DataIdentification.
 */
import type { KeywordGroup, MdRecord } from '../types.ts';
import { resourceCitation, simpleCitation } from './write-citation.ts';
import { resourceConstraints } from './write-constraints.ts';
import { extent, spatialResolutions } from './write-extent.ts';
import { responsibleParties } from './write-party.ts';
import { codeList, has, language, nil, text, type Node, type WriteContext } from './write-xml.ts';

/** MD_TopicCategoryCode is an XSD enumeration (not a code list): other values cannot be written validly. */
const TOPIC_CATEGORIES = new Set([
  'farming', 'biota', 'boundaries', 'climatologyMeteorologyAtmosphere', 'economy', 'elevation', 'environment',
  'geoscientificInformation', 'health', 'imageryBaseMapsEarthCover', 'intelligenceMilitary', 'inlandWaters',
  'location', 'oceans', 'planningCadastre', 'society', 'structure', 'transportation', 'utilitiesCommunication',
]);

/** The elements of AbstractMD_Identification_Type, citation to resourceConstraints, in XSD order. */
export function identificationCommon(ctx: WriteContext, el: Node, rec: MdRecord): void {
  resourceCitation(ctx, el, rec);
  text(ctx, el, 'gmd:abstract', rec.abstract, { translations: rec.translations.abstract, nilReason: 'missing' });
  text(ctx, el, 'gmd:purpose', rec.purpose, { translations: rec.translations.purpose });
  for (const s of rec.status) codeList(el, 'gmd:status', 'gmd:MD_ProgressCode', s);
  responsibleParties(ctx, el, 'gmd:pointOfContact', rec.resourceContacts, false);
  for (const g of rec.graphicOverviews) {
    const bg = el.ele('gmd:graphicOverview').ele('gmd:MD_BrowseGraphic');
    text(ctx, bg, 'gmd:fileName', g.url, { nilReason: 'missing' });
    text(ctx, bg, 'gmd:fileDescription', g.description);
    text(ctx, bg, 'gmd:fileType', g.type);
  }
  for (const group of rec.keywords) descriptiveKeywords(ctx, el, group);
  resourceConstraints(ctx, el, rec);
}

/**
 * One gmd:descriptiveKeywords block. MD_Keywords needs at least one keyword: a group with a thesaurus but no
 * keyword keeps its thesaurus behind a nil keyword; an entirely empty group is not written.
 */
function descriptiveKeywords(ctx: WriteContext, parent: Node, group: KeywordGroup): void {
  const keywords = group.keywords.filter((k) => has(k.text) || has(k.href));
  if (keywords.length === 0 && !group.thesaurus) return;
  const kw = parent.ele('gmd:descriptiveKeywords').ele('gmd:MD_Keywords');
  if (keywords.length === 0) nil(kw, 'gmd:keyword');
  for (const k of keywords) text(ctx, kw, 'gmd:keyword', k, { translations: k.translations });
  if (has(group.type)) codeList(kw, 'gmd:type', 'gmd:MD_KeywordTypeCode', group.type);
  if (group.thesaurus) {
    const t = group.thesaurus;
    simpleCitation(ctx, kw, 'gmd:thesaurusName', { title: t.title, href: t.href, date: t.date, dateType: t.dateType });
  }
}

/** gmd:MD_DataIdentification (datasets, series, non-geographic datasets…). */
export function dataIdentification(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  const el = parent.ele('gmd:identificationInfo').ele('gmd:MD_DataIdentification');
  identificationCommon(ctx, el, rec);
  for (const t of rec.spatialRepresentationTypes) {
    codeList(el, 'gmd:spatialRepresentationType', 'gmd:MD_SpatialRepresentationTypeCode', t);
  }
  spatialResolutions(el, rec);
  // gmd:language is mandatory here (1..*): nil when the source did not say.
  const languages = rec.resourceLanguages.filter(has);
  if (languages.length === 0) nil(el, 'gmd:language');
  for (const lang of languages) language(el, 'gmd:language', lang);
  if (has(rec.resourceCharacterSet)) {
    codeList(el, 'gmd:characterSet', 'gmd:MD_CharacterSetCode', rec.resourceCharacterSet);
  }
  for (const topic of topicCategories(rec.topicCategories)) {
    el.ele('gmd:topicCategory').ele('gmd:MD_TopicCategoryCode').txt(topic);
  }
  extent(ctx, el, 'gmd:extent', rec);
}

/**
 * Topic categories the enumeration accepts, matched case-insensitively ("Environment" is common). Swiss
 * GM03 sub-categories ("environment_EnvironmentalProtection") are written as their ISO parent; duplicates
 * are written once.
 */
export function topicCategories(values: string[]): string[] {
  const byLower = new Map([...TOPIC_CATEGORIES].map((t) => [t.toLowerCase(), t]));
  const found = values.map((v) => byLower.get(v.trim().toLowerCase().split('_')[0]));
  return [...new Set(found.filter((t): t is string => t !== undefined))];
}
