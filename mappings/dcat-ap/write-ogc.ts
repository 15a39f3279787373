/**
 * OGC web services behind an online resource: which standard (from the protocol as catalogues write it — "OGC:WMS",
 * "OGC Web Map Service", "OGC:WMS-1.3.0-http-get-capabilities" — or from a `service=` KVP in the URL), the
 * standard's IRI (the www.opengeospatial.org/standards IRIs GeoDCAT-AP's XSLT and udata write, and the DCAT reader
 * recognises), the EU file type of a distribution served by it, and the endpoint and GetCapabilities URLs.
 */

export interface OgcService {
  /** Short name: WMS, WFS, WMTS, WCS, OGC API - Features… */
  name: string;
  /** IRI of the standard (dct:conformsTo, geodcat:serviceProtocol). */
  standard?: string;
  /** EU file-type code of a distribution accessed through the service. */
  fileType?: string;
  /** The `service=` value of an OWS (KVP GetCapabilities); none for OGC API. */
  ows?: string;
}

const STANDARDS = 'http://www.opengeospatial.org/standards/';

/** Tried in order: WMTS before WMS ("OGC:WMTS" and "Web Map Tile Service" would otherwise read as WMS). */
const SERVICES: ReadonlyArray<readonly [RegExp, OgcService]> = [
  [/wmts|web map tile/i, { name: 'WMTS', standard: `${STANDARDS}wmts`, fileType: 'WMTS_SRVC', ows: 'WMTS' }],
  [/\bwms\b|web map service/i, { name: 'WMS', standard: `${STANDARDS}wms`, fileType: 'WMS_SRVC', ows: 'WMS' }],
  [/\bwfs\b|web feature service/i, { name: 'WFS', standard: `${STANDARDS}wfs`, fileType: 'WFS_SRVC', ows: 'WFS' }],
  [/\bwcs\b|web coverage service/i, { name: 'WCS', standard: `${STANDARDS}wcs`, fileType: 'WCS_SRVC', ows: 'WCS' }],
  [/ogc ?api.{0,3}features/i, { name: 'OGC API - Features', standard: 'http://www.opengis.net/doc/IS/ogcapi-features-1/1.0' }],
  [/ogc ?api.{0,3}records/i, { name: 'OGC API - Records', standard: 'http://www.opengis.net/doc/IS/ogcapi-records-1/1.0' }],
  [/ogc ?api.{0,3}tiles/i, { name: 'OGC API - Tiles', standard: 'http://www.opengis.net/doc/IS/ogcapi-tiles-1/1.0' }],
  [/ogc ?api.{0,3}maps/i, { name: 'OGC API - Maps', standard: 'http://www.opengis.net/doc/IS/ogcapi-maps-1/1.0' }],
  [/ogc ?api/i, { name: 'OGC API' }],
];

const KVP_SERVICE = /[?&]service=(wmts|wms|wfs|wcs)(&|#|$)/i;

/** The OGC service an online resource points to, from its protocol, else from its URL; undefined if none. */
export function ogcServiceOf(protocol: string | undefined, url: string): OgcService | undefined {
  const byProtocol = protocol ? SERVICES.find(([re]) => re.test(protocol))?.[1] : undefined;
  if (byProtocol) return byProtocol;
  const kvp = KVP_SERVICE.exec(url)?.[1];
  return kvp ? SERVICES.find(([, s]) => s.ows === kvp.toUpperCase())?.[1] : undefined;
}

/** Request parameters of an OWS call: what is left once they are removed is the service endpoint. */
const OWS_PARAMS = new Set([
  'service', 'request', 'version', 'acceptversions', 'sections', 'language', 'layers', 'layer', 'styles', 'typename',
  'typenames', 'outputformat', 'format', 'crs', 'srs', 'srsname', 'bbox', 'width', 'height', 'transparent',
  'coverageid', 'identifier', 'tilematrixset', 'tilematrix', 'tilerow', 'tilecol',
]);

/**
 * The endpoint (dcat:endpointURL) and service description (dcat:endpointDescription: the GetCapabilities URL)
 * of an OWS URL as records give it: a GetCapabilities or GetMap URL, or the bare endpoint. Parameters that are
 * not OWS request parameters (MapServer's `map=`) stay on the endpoint.
 */
export function owsEndpoint(url: string, service: OgcService): { endpoint: string; description?: string } {
  const [beforeHash] = url.split('#');
  const [base, query = ''] = beforeHash.split(/\?(.*)/s);
  if (!service.ows) return { endpoint: url };
  if (/capabilities\.xml$/i.test(base)) return { endpoint: url, description: url };
  const kept = query.split('&').filter((pair) => pair && !OWS_PARAMS.has(paramName(pair)));
  const endpoint = kept.length > 0 ? `${base}?${kept.join('&')}` : base;
  const isCapabilities = /(^|&)request=getcapabilities(&|$)/i.test(query);
  const description = isCapabilities
    ? url
    : `${endpoint}${kept.length > 0 ? '&' : '?'}service=${service.ows}&request=GetCapabilities`;
  return { endpoint, description };
}

function paramName(pair: string): string {
  const name = pair.split('=')[0];
  try {
    return decodeURIComponent(name).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}
