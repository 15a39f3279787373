/**
 * WMTS 1.0.0 capabilities (`{http://www.opengis.net/wmts/1.0}Capabilities`) -> one view service record. The
 * service sections are OWS Common 1.1; each Contents/Layer is requested by its ows:Identifier with GetTile.
 */
import type { MappingResult, RawDocument } from '../types.ts';
import { attribute, first, select, type XmlElement } from '../xml/index.ts';
import { readInspireExtended } from './inspire.ts';
import { CAPABILITIES_ROOTS, NS_WMTS, NS_XLINK } from './namespaces.ts';
import { ows, readOwsOperations, readOwsService, readWgs84Box } from './ows.ts';
import { parseCapabilities } from './parse.ts';
import { serviceRecord } from './record.ts';
import { clean, distinct, warn, type LayerSummary, type ReadState } from './summary.ts';

/** Maps a WMTS 1.0.0 capabilities document. */
export function mapWmts100(raw: RawDocument): MappingResult {
  const st = parseCapabilities(raw, CAPABILITIES_ROOTS.wmts100);
  const inspire = readInspireExtended(st.root);
  const summary = {
    protocol: 'OGC:WMTS',
    serviceType: 'view' as const,
    version: attribute(st.root, '', 'version')?.trim() || '1.0.0',
    layerOperation: 'GetTile',
    service: readOwsService(st.root),
    operations: readOwsOperations(st.root),
    layers: select(st.root, [NS_WMTS, 'Contents'], [NS_WMTS, 'Layer'])
      .map((l) => readLayer(st, l))
      .filter((l): l is LayerSummary => !!l),
    languages: inspire.languages,
    ...(inspire.metadataUrl ? { serviceMetadataUrl: inspire.metadataUrl } : {}),
  };
  return serviceRecord(raw, summary, st);
}

function readLayer(st: ReadState, layer: XmlElement): LayerSummary | undefined {
  const name = clean(first(layer, ows('Identifier')));
  if (!name) {
    warn(st, layer, 'layer without ows:Identifier dropped');
    return undefined;
  }
  // ows:Metadata/@xlink:href is where WMTS puts a layer's metadata link (OWS Common 1.1 §7.4.4).
  const out: LayerSummary = {
    name,
    metadataUrls: distinct(select(layer, ows('Metadata')).map((m) => attribute(m, NS_XLINK, 'href')?.trim() || undefined)),
  };
  const title = clean(first(layer, ows('Title')));
  if (title) out.title = title;
  const bbox = readWgs84Box(st, layer);
  if (bbox) out.bbox = bbox;
  return out;
}
