/**
 * XML namespaces and schema locations of the CSW 2.0.2 responses: CSW itself, OWS 1.0.0 (which CSW 2.0.2 is
 * built on), OGC Filter 1.1 with GML 3.1.1 (Filter_Capabilities, ows:BoundingBox), Dublin Core for csw:Record,
 * ISO 19139 (reused from the ISO mapping: embedded gmd:MD_Metadata records use GML 3.2) and the INSPIRE
 * discovery service extended capabilities. Constants only.
 */
import {
  NS_CSW202, NS_GCO, NS_GMD, NS_GML311, NS_GML32, NS_GMX, NS_SRV, NS_XLINK, NS_XSI,
} from '../../../mappings/iso19139/namespaces.ts';

export { NS_GCO, NS_GMD, NS_GML32, NS_GMX, NS_SRV, NS_XLINK, NS_XSI };

export const NS_CSW = NS_CSW202;
/** OWS Common 1.0.0: the namespace has no version, the schemas CSW 2.0.2 imports are ows/1.0.0. */
export const NS_OWS = 'http://www.opengis.net/ows';
/** OGC Filter Encoding 1.1.0. */
export const NS_OGC = 'http://www.opengis.net/ogc';
/** GML 3.1.1, the GML of Filter 1.1 (gml:Envelope in GeometryOperands); not the GML 3.2 of ISO 19139:2007. */
export const NS_GML = NS_GML311;
export const NS_DC = 'http://purl.org/dc/elements/1.1/';
export const NS_DCT = 'http://purl.org/dc/terms/';
export const NS_XS = 'http://www.w3.org/2001/XMLSchema';
export const NS_INSPIRE_DS = 'http://inspire.ec.europa.eu/schemas/inspire_ds/1.0';
export const NS_INSPIRE_COMMON = 'http://inspire.ec.europa.eu/schemas/common/1.0';

/** `outputSchema` values (and DescribeRecord target namespaces) this CSW answers in. */
export const OUTPUT_SCHEMA_CSW = NS_CSW;
export const OUTPUT_SCHEMA_GMD = NS_GMD;

/** xsi:schemaLocation of every csw:* response (the OGC schema repository, as pycsw and GeoNetwork write it). */
export const CSW_SCHEMA_LOCATION = `${NS_CSW} http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd`;
/** xsi:schemaLocation of ows:ExceptionReport (OWS 1.0.0, the version CSW 2.0.2 reports errors with). */
export const OWS_EXCEPTION_SCHEMA_LOCATION = `${NS_OWS} http://schemas.opengis.net/ows/1.0.0/owsExceptionReport.xsd`;
/** xsi:schemaLocation of the INSPIRE discovery service extended capabilities (TG Discovery Services 3.1). */
export const INSPIRE_DS_SCHEMA_LOCATION = `${NS_INSPIRE_DS} http://inspire.ec.europa.eu/schemas/inspire_ds/1.0/inspire_ds.xsd`;

/** The prefixes declared on csw:* response roots (records embedded in them declare their own). */
export const CSW_PREFIXES = {
  csw: NS_CSW,
  dc: NS_DC,
  dct: NS_DCT,
  ows: NS_OWS,
  xsi: NS_XSI,
} as const;
