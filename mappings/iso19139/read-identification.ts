/**
 * The identification section shared by MD_DataIdentification and SV_ServiceIdentification: citation (title,
 * identifiers, dates, edition), abstract, purpose, status, points of contact, overviews, data-specific fields.
 */
import type { GraphicOverview, MdRecord, ResourceDate, ResourceIdentifier, SpatialResolution } from '../types.ts';
import { attribute, first, firstElement, select, type XmlElement } from '../xml/index.ts';
import { NS_GMX } from './namespaces.ts';
import { anchored, assign, code, error, gmd, language, text, textAt, translations, warn, type ReadContext } from './read-context.ts';
import { readParties } from './read-party.ts';
import { dateValue, numberValue } from './read-values.ts';

export type IdentificationFields = Pick<
  MdRecord,
  | 'title' | 'alternateTitles' | 'abstract' | 'purpose' | 'translations' | 'resourceIdentifiers' | 'dates' | 'edition'
  | 'status' | 'resourceContacts' | 'topicCategories' | 'resourceLanguages' | 'resourceCharacterSet'
  | 'spatialRepresentationTypes' | 'spatialResolutions' | 'graphicOverviews'
>;

export function readIdentification(ctx: ReadContext, ident: XmlElement): IdentificationFields {
  const citation = first(ident, gmd('citation'), ['*', '*']);
  const titleProp = first(citation, gmd('title'));
  const title = text(titleProp) ?? translatedTitle(ctx, titleProp);
  if (!title) error(ctx, citation ?? ident, 'resource title (gmd:citation/gmd:CI_Citation/gmd:title) is missing');
  const abstractProp = first(ident, gmd('abstract'));
  const purposeProp = first(ident, gmd('purpose'));
  const out: IdentificationFields = {
    title: title ?? '',
    alternateTitles: select(citation, gmd('alternateTitle')).map(text).filter((t): t is string => !!t),
    translations: {},
    resourceIdentifiers: readIdentifiers(select(citation, gmd('identifier'), ['*', '*'])),
    dates: readDates(ctx, citation),
    status: codes(select(ident, gmd('status'))),
    resourceContacts: readParties(ctx, select(ident, gmd('pointOfContact'))),
    topicCategories: codes(select(ident, gmd('topicCategory'))),
    resourceLanguages: select(ident, gmd('language')).map(language).filter((l): l is string => !!l),
    spatialRepresentationTypes: codes(select(ident, gmd('spatialRepresentationType'))),
    spatialResolutions: readResolutions(ctx, ident),
    graphicOverviews: readOverviews(ident),
  };
  if (!abstractProp || !text(abstractProp)) warn(ctx, ident, 'abstract (gmd:abstract) is missing');
  assign(out, 'abstract', text(abstractProp));
  assign(out, 'purpose', text(purposeProp));
  assign(out, 'edition', textAt(citation, gmd('edition')));
  assign(out, 'resourceCharacterSet', code(first(ident, gmd('characterSet'))));
  assign(out.translations, 'title', translations(ctx, titleProp));
  assign(out.translations, 'abstract', translations(ctx, abstractProp));
  assign(out.translations, 'purpose', translations(ctx, purposeProp));
  return out;
}

/** A title given only as PT_FreeText: its first translation stands in, with a warning. */
function translatedTitle(ctx: ReadContext, titleProp: XmlElement | undefined): string | undefined {
  const first = Object.values(translations(ctx, titleProp) ?? {})[0];
  if (first && titleProp) warn(ctx, titleProp, 'title has no gco:CharacterString: its first PT_FreeText translation is used');
  return first;
}

function codes(props: XmlElement[]): string[] {
  return props.map(code).filter((c): c is string => c !== undefined);
}

/** MD_Identifier / RS_Identifier objects -> code (anchor href kept) and codeSpace. */
export function readIdentifiers(objects: XmlElement[]): ResourceIdentifier[] {
  const out: ResourceIdentifier[] = [];
  for (const id of objects) {
    const value = anchored(first(id, gmd('code')));
    if (!value) continue;
    const identifier: ResourceIdentifier = { code: value.text };
    assign(identifier, 'codeSpace', textAt(id, gmd('codeSpace')));
    assign(identifier, 'href', value.href);
    out.push(identifier);
  }
  return out;
}

function readDates(ctx: ReadContext, citation: XmlElement | undefined): ResourceDate[] {
  const out: ResourceDate[] = [];
  for (const d of select(citation, gmd('date'), gmd('CI_Date'))) {
    const date = dateValue(ctx, first(d, gmd('date')));
    const type = code(first(d, gmd('dateType')));
    if (date && type) out.push({ date, type });
    else if (date) warn(ctx, d, `date ${date} without dateType dropped`);
  }
  return out;
}

function readResolutions(ctx: ReadContext, ident: XmlElement): SpatialResolution[] {
  const out: SpatialResolution[] = [];
  for (const r of select(ident, gmd('spatialResolution'), gmd('MD_Resolution'))) {
    const denominator = first(r, gmd('equivalentScale'), gmd('MD_RepresentativeFraction'), gmd('denominator'));
    const distance = first(r, gmd('distance'));
    if (denominator) {
      const n = numberValue(ctx, denominator);
      if (n !== undefined && n > 0) out.push({ scaleDenominator: n });
      else if (n !== undefined) warn(ctx, denominator, `scale denominator ${n} is not positive: dropped`);
    }
    if (distance) {
      const n = numberValue(ctx, distance);
      const uom = attribute(firstElement(distance), '', 'uom')?.trim();
      if (n !== undefined) out.push(uom ? { distance: n, uom } : { distance: n });
    }
  }
  return out;
}

/** MD_BrowseGraphic; a gmx:FileName carries the URL in @src and a display name as text. */
function readOverviews(ident: XmlElement): GraphicOverview[] {
  const out: GraphicOverview[] = [];
  for (const g of select(ident, gmd('graphicOverview'), gmd('MD_BrowseGraphic'))) {
    const fileName = first(g, gmd('fileName'));
    const value = firstElement(fileName);
    const src = value?.uri === NS_GMX ? attribute(value, '', 'src')?.trim() : undefined;
    const url = src || text(fileName);
    if (!url) continue;
    const overview: GraphicOverview = { url };
    assign(overview, 'description', textAt(g, gmd('fileDescription')));
    assign(overview, 'type', textAt(g, gmd('fileType')));
    out.push(overview);
  }
  return out;
}
