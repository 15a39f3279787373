/**
 * XML namespace URIs of ISO 19139 (2007) and its companions. Constants only: shared by the ISO reader and
 * writer (and anything else that must match on namespace URIs rather than on literal prefixes).
 */

export const NS_GMD = 'http://www.isotc211.org/2005/gmd';
export const NS_GCO = 'http://www.isotc211.org/2005/gco';
export const NS_GMX = 'http://www.isotc211.org/2005/gmx';
export const NS_SRV = 'http://www.isotc211.org/2005/srv';
/** ISO 19115-2 imagery extension (gmi:MI_Metadata). */
export const NS_GMI = 'http://www.isotc211.org/2005/gmi';
/** GML 3.2, the namespace GeoNetwork 3+/4 and the Géoplateforme publish. */
export const NS_GML32 = 'http://www.opengis.net/gml/3.2';
/** GML 3.1.1, still found in older ISO 19139 records (GeoNetwork 2.x, pycsw samples). */
export const NS_GML311 = 'http://www.opengis.net/gml';
export const NS_XLINK = 'http://www.w3.org/1999/xlink';
export const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const NS_CSW202 = 'http://www.opengis.net/cat/csw/2.0.2';

/** The prefixes the writer declares, in document order. */
export const ISO19139_PREFIXES = {
  gmd: NS_GMD,
  gco: NS_GCO,
  gmx: NS_GMX,
  srv: NS_SRV,
  gml: NS_GML32,
  xlink: NS_XLINK,
  xsi: NS_XSI,
} as const;

/** xsi:schemaLocation of written records: the CSW ISO Application Profile schema, as GeoNetwork writes it. */
export const ISO19139_SCHEMA_LOCATION =
  'http://www.isotc211.org/2005/gmd http://schemas.opengis.net/csw/2.0.2/profiles/apiso/1.0.0/apiso.xsd';

/** Base of the ISO 19139 code list register used in every @codeList attribute. */
export const ISO19139_CODELISTS = 'http://standards.iso.org/iso/19139/resources/gmxCodelists.xml';
