/**
 * Formats of distributions: EU file-type authority IRIs (dct:format, DCAT-AP 3's controlled vocabulary) and IANA
 * media-type IRIs (dcat:mediaType), from a file link's extension or a format name of the record ("ESRI
 * Shapefile", "GeoJSON", "gml+xml"). Only formats recognised with certainty are written as IRIs.
 */

const EU_FILE_TYPE = 'http://publications.europa.eu/resource/authority/file-type/';
const IANA = 'https://www.iana.org/assignments/media-types/';

export interface FileFormat {
  /** EU file-type code (CSV, GEOJSON, SHP…). */
  code: string;
  /** IANA media type, when the format has one. */
  mediaType?: string;
}

/** File extension -> format. */
const BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  csv: { code: 'CSV', mediaType: 'text/csv' },
  json: { code: 'JSON', mediaType: 'application/json' },
  geojson: { code: 'GEOJSON', mediaType: 'application/geo+json' },
  zip: { code: 'ZIP', mediaType: 'application/zip' },
  pdf: { code: 'PDF', mediaType: 'application/pdf' },
  xml: { code: 'XML', mediaType: 'application/xml' },
  kml: { code: 'KML', mediaType: 'application/vnd.google-earth.kml+xml' },
  kmz: { code: 'KMZ', mediaType: 'application/vnd.google-earth.kmz' },
  gml: { code: 'GML', mediaType: 'application/gml+xml' },
  gpkg: { code: 'GPKG', mediaType: 'application/geopackage+sqlite3' },
  shp: { code: 'SHP' },
  xls: { code: 'XLS', mediaType: 'application/vnd.ms-excel' },
  xlsx: { code: 'XLSX', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  ods: { code: 'ODS', mediaType: 'application/vnd.oasis.opendocument.spreadsheet' },
  tif: { code: 'TIFF', mediaType: 'image/tiff' },
  tiff: { code: 'TIFF', mediaType: 'image/tiff' },
  jpg: { code: 'JPEG', mediaType: 'image/jpeg' },
  jpeg: { code: 'JPEG', mediaType: 'image/jpeg' },
  png: { code: 'PNG', mediaType: 'image/png' },
  jp2: { code: 'JPEG2000', mediaType: 'image/jp2' },
  ecw: { code: 'ECW' },
  las: { code: 'LAS' },
  laz: { code: 'LAZ' },
  dxf: { code: 'DXF' },
  dwg: { code: 'DWG' },
  '7z': { code: '7Z', mediaType: 'application/x-7z-compressed' },
  gz: { code: 'GZIP', mediaType: 'application/gzip' },
  tar: { code: 'TAR', mediaType: 'application/x-tar' },
  rdf: { code: 'RDF_XML', mediaType: 'application/rdf+xml' },
  ttl: { code: 'RDF_TURTLE', mediaType: 'text/turtle' },
  jsonld: { code: 'JSON_LD', mediaType: 'application/ld+json' },
  nc: { code: 'NETCDF', mediaType: 'application/netcdf' },
  parquet: { code: 'PARQUET' },
  html: { code: 'HTML', mediaType: 'text/html' },
  htm: { code: 'HTML', mediaType: 'text/html' },
  txt: { code: 'TXT', mediaType: 'text/plain' },
};

/** Format names as records write them (lower case, spaces and punctuation removed) -> extension above. */
const NAME_ALIASES: Readonly<Record<string, string>> = {
  shapefile: 'shp', esrishapefile: 'shp', shape: 'shp', geopackage: 'gpkg', geotiff: 'tif', gmlxml: 'gml',
  excel: 'xlsx', jpeg2000: 'jp2', netcdf: 'nc', geojsonjson: 'geojson', kmlxml: 'kml', html5: 'html',
};

/** The format of a file link, from the extension of its URL path; undefined for anything else. */
export function formatOfUrl(url: string): FileFormat | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(path)?.[1].toLowerCase();
  return ext ? BY_EXTENSION[ext] : undefined;
}

/** The format a record's format name stands for ("ESRI Shapefile" -> SHP), undefined when unsure. */
export function formatOfName(name: string): FileFormat | undefined {
  const key = name.toLowerCase().replace(/^(application|text|image)\//, '').replace(/[^a-z0-9]/g, '');
  return BY_EXTENSION[key] ?? BY_EXTENSION[NAME_ALIASES[key] ?? ''];
}

export function fileTypeIri(code: string): string {
  return EU_FILE_TYPE + code;
}

export function mediaTypeIri(mediaType: string): string {
  return IANA + mediaType;
}
