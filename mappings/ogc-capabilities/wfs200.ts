/**
 * WFS 2.0.0 capabilities (`{http://www.opengis.net/wfs/2.0}WFS_Capabilities`) -> one download service record.
 * The service sections are OWS Common 1.1; each FeatureTypeList/FeatureType is fetched by its Name (a QName)
 * with GetFeature; its MetadataURL/@xlink:href links the dataset record.
 */
import type { MappingResult, RawDocument } from '../types.ts';
import { attribute, first, select, type XmlElement } from '../xml/index.ts';
import { readInspireExtended } from './inspire.ts';
import { CAPABILITIES_ROOTS, NS_WFS20, NS_XLINK } from './namespaces.ts';
import { readOwsOperations, readOwsService, readWgs84Box } from './ows.ts';
import { parseCapabilities } from './parse.ts';
import { serviceRecord } from './record.ts';
import { clean, distinct, warn, type LayerSummary, type ReadState } from './summary.ts';

const wfs = (local: string) => [NS_WFS20, local] as const;

/** Maps a WFS 2.0.0 capabilities document. */
export function mapWfs200(raw: RawDocument): MappingResult {
  const st = parseCapabilities(raw, CAPABILITIES_ROOTS.wfs200);
  const inspire = readInspireExtended(st.root);
  const summary = {
    protocol: 'OGC:WFS',
    serviceType: 'download' as const,
    version: attribute(st.root, '', 'version')?.trim() || '2.0.0',
    layerOperation: 'GetFeature',
    service: readOwsService(st.root),
    operations: readOwsOperations(st.root),
    layers: select(st.root, wfs('FeatureTypeList'), wfs('FeatureType'))
      .map((f) => readFeatureType(st, f))
      .filter((l): l is LayerSummary => !!l),
    languages: inspire.languages,
    ...(inspire.metadataUrl ? { serviceMetadataUrl: inspire.metadataUrl } : {}),
  };
  return serviceRecord(raw, summary, st);
}

function readFeatureType(st: ReadState, ft: XmlElement): LayerSummary | undefined {
  const name = clean(first(ft, wfs('Name')));
  if (!name) {
    warn(st, ft, 'feature type without Name dropped');
    return undefined;
  }
  const out: LayerSummary = {
    name,
    metadataUrls: distinct(select(ft, wfs('MetadataURL')).map((m) => attribute(m, NS_XLINK, 'href')?.trim() || undefined)),
  };
  const title = clean(first(ft, wfs('Title')));
  if (title) out.title = title;
  const bbox = readWgs84Box(st, ft);
  if (bbox) out.bbox = bbox;
  return out;
}
