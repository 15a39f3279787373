/**
 * INSPIRE extended capabilities (view services: inspire_vs in the WMS Capability section or, in WMS 1.1.1, in
 * VendorSpecificCapabilities; download and WMTS services: inspire_dls / inspire_vs in ows:OperationsMetadata):
 * the link to the service's own ISO metadata and the languages.
 */
import { first, select, type XmlElement } from '../xml/index.ts';
import { NS_INSPIRE_COMMON, NS_OWS } from './namespaces.ts';
import { clean, distinct } from './summary.ts';

export interface InspireExtended {
  metadataUrl?: string;
  /** Response language first, then the default and supported ones (ISO 639-2/B codes as written). */
  languages: string[];
}

// Geo2France's GeoServer writes the INSPIRE namespaces with https: both spellings are read.
const COMMON = [NS_INSPIRE_COMMON, NS_INSPIRE_COMMON.replace('http:', 'https:')];
const common = (local: string) => [COMMON, local] as const;

/** Reads the first INSPIRE ExtendedCapabilities element found at one of the places servers put it. */
export function readInspireExtended(root: XmlElement): InspireExtended {
  const places = [
    ...select(root, ['*', 'Capability'], ['*', '*']),
    ...select(root, ['*', 'Capability'], ['*', 'VendorSpecificCapabilities'], ['*', '*']),
    ...select(root, [NS_OWS, 'OperationsMetadata'], ['*', '*']),
  ];
  const ext = places.find((e) => e.local === 'ExtendedCapabilities' && /^https?:\/\/inspire\.ec\.europa\.eu\//.test(e.uri));
  if (!ext) return { languages: [] };
  const out: InspireExtended = {
    languages: distinct([
      ...select(ext, common('ResponseLanguage'), common('Language')).map(clean),
      ...select(ext, common('SupportedLanguages'), common('DefaultLanguage'), common('Language')).map(clean),
    ]),
  };
  const url = clean(first(ext, common('MetadataUrl'), common('URL')));
  if (url) out.metadataUrl = url;
  return out;
}
