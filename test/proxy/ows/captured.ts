/**
 * The captured capabilities of ../shared/fixtures/ows (see its PROVENANCE.md) that the /ows tests rewrite, each
 * with the URL the service would be registered with (its own operation endpoint), and how to read them.
 */
export const OWS_FIXTURES = new URL('../../../../shared/fixtures/ows/', import.meta.url);

/** The captured capabilities and the registered URL each belongs to (its DCP endpoint). */
export const CAPABILITIES: Array<[string, string]> = [
  ['wms/dov-wms-1.3.0-inspire.xml', 'https://www.dov.vlaanderen.be/geoserver/gw_meetnetten/meetnetten/ows'],
  ['wms/eea-biodiscomap-arcgis-wms-1.3.0.xml', 'https://bio.discomap.eea.europa.eu/arcgis/services/Ecosystem/Ecosystems/MapServer/WMSServer'],
  ['wms/geoadmin-wms-1.3.0-sample.xml', 'https://wms.geo.admin.ch/'],
  ['wms/brgm-wms-1.3.0.xml', 'http://geoservices.brgm.fr/geologie?language=fre'],
  ['wms/brgm-wms-1.1.1-iso-8859-15.xml', 'http://geoservices.brgm.fr/geologie?language=fre'],
  ['wms/brgm-wms-1.1.1-utf-16.xml', 'http://geoservices.brgm.fr/geologie?language=fre'],
  ['wmts/ign-wmts.xml', 'https://wxs.ign.fr/geoportail/wmts'],
  ['wmts/swisstopo-wmts-3857.xml', 'https://wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml'],
  ['wmts/nasa-gibs-eosdis-wmts.xml', 'https://map1b.vis.earthdata.nasa.gov/wmts-geo/wmts.cgi'],
  ['wmts/arcgis-wmts.xml', 'https://services.arcgisonline.com/arcgis/rest/services/Demographics/USA_Population_Density/MapServer/WMTS'],
  ['wmts/switzerland-topographic-arcgis-wmts.xml', 'https://tiles.arcgis.com/tiles/oPre3pOfRfefL8y0/arcgis/rest/services/Topographic_Map_Switzerland/MapServer/WMTS'],
  ['wfs/cuzk-wfs-2.0.0.xml', 'http://services.cuzk.cz/wfs/inspire-cp-wfs.asp'],
  ['wfs/geo2france-wfs-2.0.0.xml', 'https://www.geo2france.fr/geoserver/cr_hdf/wfs'],
  ['wfs/koeln-arcgis-wfs-2.0.0.xml', 'https://geoportal.stadt-koeln.de/arcgis/services/basiskarten/adressen_stadtteil/MapServer/WFSServer'],
];

/** The Node encoding that reads and writes a captured document byte for byte (latin1 for ISO-8859-15: ASCII URLs only change). */
export function nodeEncoding(file: string): BufferEncoding {
  return file.includes('8859') ? 'latin1' : file.includes('utf-16') ? 'utf16le' : 'utf8';
}

/** A captured document as text. */
export function decodeCaptured(file: string, bytes: Buffer): string {
  return new TextDecoder(file.includes('8859') ? 'iso-8859-15' : file.includes('utf-16') ? 'utf-16le' : 'utf-8').decode(bytes);
}
