/**
 * The hub's own WMTS 1.0.0 capabilities for the cached layers of a tile service
 * (`/tiles/{service}/WMTSCapabilities.xml`): RESTful only, every ResourceURL template pointing at the hub's
 * /tiles path. OGC 07-057r7 §8 (ServiceMetadata) and annex E.4 (GoogleMapsCompatible).
 *
 * The hub's `{TileMatrix}` is the index of the level in its set, so a WMTS upstream's tile matrix sets are
 * republished with their levels renamed "0", "1"… (scales, corners and sizes unchanged); xyz and tms layers
 * use GoogleMapsCompatible, whose identifiers already are the zoom levels.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ServiceDef } from '../../store/services.ts';
import { extensionOf, type MatrixSet } from './tiles-grid.ts';
import type { TileLayer } from './tiles-source.ts';

const WMTS = 'http://www.opengis.net/wmts/1.0';
const OWS = 'http://www.opengis.net/ows/1.1';
const XLINK = 'http://www.w3.org/1999/xlink';

/** Web Mercator's latitude limit (the square world of EPSG:3857). */
const MERCATOR_LAT = 85.0511287798066;

function identification(root: XMLBuilder, service: ServiceDef): void {
  const id = root.ele(OWS, 'ows:ServiceIdentification');
  id.ele(OWS, 'ows:Title').txt(service.title ?? service.id);
  id.ele(OWS, 'ows:Abstract').txt(`Tuiles mises en cache par moisson (service ${service.id}).`
    + (service.attribution ? ` ${service.attribution.title}${service.attribution.url ? ` — ${service.attribution.url}` : ''}` : ''));
  id.ele(OWS, 'ows:ServiceType').txt('OGC WMTS');
  id.ele(OWS, 'ows:ServiceTypeVersion').txt('1.0.0');
  id.ele(OWS, 'ows:Fees').txt('none');
  id.ele(OWS, 'ows:AccessConstraints').txt(service.access === 'restricted' ? 'access key required' : 'none');
}

/** GetCapabilities and GetTile, RESTful encoding only (OWSLib and GDAL then use the ResourceURL templates). */
function operations(root: XMLBuilder, capsUrl: string, tilesUrl: string): void {
  const om = root.ele(OWS, 'ows:OperationsMetadata');
  for (const [name, href] of [['GetCapabilities', capsUrl], ['GetTile', tilesUrl]]) {
    const get = om.ele(OWS, 'ows:Operation').att('name', name).ele(OWS, 'ows:DCP').ele(OWS, 'ows:HTTP').ele(OWS, 'ows:Get')
      .att(XLINK, 'xlink:href', href);
    get.ele(OWS, 'ows:Constraint').att('name', 'GetEncoding').ele(OWS, 'ows:AllowedValues').ele(OWS, 'ows:Value').txt('RESTful');
  }
}

function layerElement(contents: XMLBuilder, layer: TileLayer, tilesUrl: string): void {
  const el = contents.ele(WMTS, 'Layer');
  el.ele(OWS, 'ows:Title').txt(layer.title);
  if (layer.matrixSets.some((s) => s.id === 'GoogleMapsCompatible')) {
    const bbox = el.ele(OWS, 'ows:WGS84BoundingBox');
    bbox.ele(OWS, 'ows:LowerCorner').txt(`-180 -${MERCATOR_LAT}`);
    bbox.ele(OWS, 'ows:UpperCorner').txt(`180 ${MERCATOR_LAT}`);
  }
  el.ele(OWS, 'ows:Identifier').txt(layer.id);
  el.ele(WMTS, 'Style').att('isDefault', 'true').ele(OWS, 'ows:Identifier').txt('default');
  for (const f of layer.formats) el.ele(WMTS, 'Format').txt(f);
  for (const s of layer.matrixSets) el.ele(WMTS, 'TileMatrixSetLink').ele(WMTS, 'TileMatrixSet').txt(s.id);
  for (const f of layer.formats) {
    el.ele(WMTS, 'ResourceURL').att('format', f).att('resourceType', 'tile')
      .att('template', `${tilesUrl}${encodeURIComponent(layer.id)}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.${extensionOf(f)}`);
  }
}

function matrixSetElement(contents: XMLBuilder, set: MatrixSet): void {
  const el = contents.ele(WMTS, 'TileMatrixSet');
  el.ele(OWS, 'ows:Identifier').txt(set.id);
  el.ele(OWS, 'ows:SupportedCRS').txt(set.crs);
  if (set.wellKnownScaleSet) el.ele(WMTS, 'WellKnownScaleSet').txt(set.wellKnownScaleSet);
  set.levels.forEach((l, i) => {
    const m = el.ele(WMTS, 'TileMatrix');
    m.ele(OWS, 'ows:Identifier').txt(String(i));
    m.ele(WMTS, 'ScaleDenominator').txt(String(l.scaleDenominator));
    m.ele(WMTS, 'TopLeftCorner').txt(`${l.topLeft[0]} ${l.topLeft[1]}`);
    m.ele(WMTS, 'TileWidth').txt(String(l.tileWidth));
    m.ele(WMTS, 'TileHeight').txt(String(l.tileHeight));
    m.ele(WMTS, 'MatrixWidth').txt(String(l.matrixWidth));
    m.ele(WMTS, 'MatrixHeight').txt(String(l.matrixHeight));
  });
}

/** The capabilities document of one tile service, as a string. */
export function tileCapabilities(service: ServiceDef, layers: TileLayer[], baseUrl: string): string {
  const tilesUrl = `${baseUrl}/tiles/${service.id}/`;
  const capsUrl = `${tilesUrl}WMTSCapabilities.xml`;
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' });
  const root = doc.ele(WMTS, 'Capabilities').att('version', '1.0.0')
    .att('xmlns:ows', OWS).att('xmlns:xlink', XLINK);
  identification(root, service);
  operations(root, capsUrl, tilesUrl);
  const contents = root.ele(WMTS, 'Contents');
  for (const l of layers) layerElement(contents, l, tilesUrl);
  // One definition per set id, even when several layers share it (the largest, so every layer's levels exist).
  const sets = new Map<string, MatrixSet>();
  for (const l of layers) for (const s of l.matrixSets) {
    const known = sets.get(s.id);
    if (!known || known.levels.length < s.levels.length) sets.set(s.id, s);
  }
  for (const s of sets.values()) matrixSetElement(contents, s);
  root.ele(WMTS, 'ServiceMetadataURL').att(XLINK, 'xlink:href', capsUrl);
  return doc.end({ prettyPrint: false });
}
