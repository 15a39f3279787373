/**
 * Namespace URIs of the OGC capabilities documents the hub maps, and their root elements as the mapping registry
 * keys them (`{namespace}localName`). WMS 1.1.1 has no namespace: its root is keyed `{}WMT_MS_Capabilities`.
 */

export const NS_WMS = 'http://www.opengis.net/wms';
export const NS_WMTS = 'http://www.opengis.net/wmts/1.0';
export const NS_WFS20 = 'http://www.opengis.net/wfs/2.0';
/** OWS Common 1.1 (WMTS 1.0.0, WFS 2.0.0) and 1.0 (WFS 1.1.0, some WMTS servers that mix them). */
export const NS_OWS11 = 'http://www.opengis.net/ows/1.1';
export const NS_OWS10 = 'http://www.opengis.net/ows';
export const NS_OWS = [NS_OWS11, NS_OWS10] as const;
export const NS_XLINK = 'http://www.w3.org/1999/xlink';
/** INSPIRE extended capabilities (view and download services) and their common types. */
export const NS_INSPIRE_COMMON = 'http://inspire.ec.europa.eu/schemas/common/1.0';

/** Capabilities roots this folder maps, as registry keys. */
export const CAPABILITIES_ROOTS = {
  wms130: `{${NS_WMS}}WMS_Capabilities`,
  wms111: '{}WMT_MS_Capabilities',
  wmts100: `{${NS_WMTS}}Capabilities`,
  wfs200: `{${NS_WFS20}}WFS_Capabilities`,
} as const;
