/**
 * INSPIRE discovery service extended capabilities (Technical Guidance for Discovery Services 3.1, scenario 2:
 * the service metadata elements in the capabilities, plus the link to the full service metadata record).
 *
 * Placement: inspire_ds:ExtendedCapabilities is written as the LAST CHILD of ows:OperationsMetadata, not
 * wrapped in an ows:ExtendedCapabilities element. OWS 1.0.0 (2010 corrigendum, owsOperationsMetadata.xsd)
 * ends OperationsMetadata with an optional ows:ExtendedCapabilities (anyType), and inspire_ds.xsd declares
 * inspire_ds:ExtendedCapabilities in its substitution group (as inspire_vs:ExtendedCapabilities substitutes
 * for WMS 1.3.0's _ExtendedCapabilities): the direct child IS the ows:ExtendedCapabilities slot, valid once
 * the INSPIRE schema is loaded. The pycsw and GeoNetwork fixtures put it there too and only fail validation
 * because they were checked without that schema (which is not in the fixtures: tests validate the placement
 * with a lax stand-in, test/helpers/csw-xsd.ts). The INSPIRE validator (ETS discovery-service 3.1,
 * csw-iso-ap/at-07) reads /csw:Capabilities/ows:OperationsMetadata/inspire_ds:ExtendedCapabilities, and InGrid
 * parses that path; wrapping it in ows:ExtendedCapabilities (which alone would validate without the INSPIRE
 * schema) would hide it from them. OWSLib ignores INSPIRE capabilities either way.
 *
 * Element order and types follow inspire_common ExtendedCapabilitiesType: Specification is a
 * citationConformity and MandatoryKeyword a classificationOfSpatialDataService by declaration, so neither
 * needs an xsi:type.
 */
import { textElement, type Node } from './xml.ts';
import { CSW_SERVICE, CSW_VERSION, getRecordByIdUrl } from './domains.ts';
import { INSPIRE_DS_SCHEMA_LOCATION, OUTPUT_SCHEMA_GMD } from './namespaces.ts';

export type DegreeOfConformity = 'conformant' | 'notConformant' | 'notEvaluated';

export interface InspireCitation {
  title: string;
  /** xs:date of publication. */
  date: string;
}

/** The INSPIRE discovery service metadata the capabilities carry (TG Discovery Services Table 2). */
export interface InspireDiscoveryInfo {
  /** fileIdentifier of the discovery service's own metadata record, served by GetRecordById. */
  serviceMetadataId: string;
  /** Date of that metadata (xs:date; a date-time is cut to its date). */
  metadataDate: string;
  pointOfContact: { organisationName: string; email: string };
  /** Temporal reference of the service; DateOfLastRevision = metadataDate when none is given. */
  temporalReference?: { creation?: string; lastRevision?: string; publication?: string };
  /** Conformity to the network services regulation; notEvaluated by default. */
  conformity?: { degree: DegreeOfConformity; specification?: InspireCitation };
  /** ISO 639-2/B codes; the first is the default language. */
  languages: readonly string[];
  /** The language of this response (the LANGUAGE parameter); the default language otherwise. */
  responseLanguage?: string;
}

/** Commission Regulation (EC) No 976/2009 (network services), the specification a discovery service meets. */
export const NETWORK_SERVICES_REGULATION: InspireCitation = {
  title: 'Règlement (CE) n° 976/2009 de la Commission du 19 octobre 2009 portant modalités d’application de la '
    + 'directive 2007/2/CE du Parlement européen et du Conseil en ce qui concerne les services en réseau',
  date: '2009-10-20',
};

const xsDate = (s: string): string => s.trim().slice(0, 10);

/** Appends inspire_ds:ExtendedCapabilities to ows:OperationsMetadata (see the placement note above). */
export function inspireExtendedCapabilities(om: Node, endpoint: string, info: InspireDiscoveryInfo): void {
  const ec = om.ele('inspire_ds:ExtendedCapabilities').att('xsi:schemaLocation', INSPIRE_DS_SCHEMA_LOCATION);
  const capabilitiesUrl = `${endpoint}?service=${CSW_SERVICE}&version=${CSW_VERSION}&request=GetCapabilities`;
  resourceLocator(ec, 'inspire_common:ResourceLocator', capabilitiesUrl, 'application/xml');
  ec.ele('inspire_common:ResourceType').txt('service');
  temporalReference(ec, info);
  conformity(ec, info);
  const poc = ec.ele('inspire_common:MetadataPointOfContact');
  textElement(poc, 'inspire_common:OrganisationName', info.pointOfContact.organisationName);
  textElement(poc, 'inspire_common:EmailAddress', info.pointOfContact.email);
  ec.ele('inspire_common:MetadataDate').txt(xsDate(info.metadataDate));
  ec.ele('inspire_common:SpatialDataServiceType').txt('discovery');
  ec.ele('inspire_common:MandatoryKeyword').ele('inspire_common:KeywordValue').txt('infoCatalogueService');
  languages(ec, info);
  resourceLocator(ec, 'inspire_common:MetadataUrl', getRecordByIdUrl(endpoint, info.serviceMetadataId, OUTPUT_SCHEMA_GMD),
    'application/vnd.ogc.csw.GetRecordByIdResponse_xml');
}

function resourceLocator(parent: Node, name: string, url: string, mediaType: string): void {
  const loc = parent.ele(name);
  textElement(loc, 'inspire_common:URL', url);
  loc.ele('inspire_common:MediaType').txt(mediaType);
}

function temporalReference(ec: Node, info: InspireDiscoveryInfo): void {
  const t = info.temporalReference ?? {};
  const tr = ec.ele('inspire_common:TemporalReference');
  const lastRevision = t.lastRevision ?? (t.creation || t.publication ? undefined : info.metadataDate);
  // temporalReference's sequence: DateOfCreation?, DateOfLastRevision?, DateOfPublication*.
  if (t.creation) tr.ele('inspire_common:DateOfCreation').txt(xsDate(t.creation));
  if (lastRevision) tr.ele('inspire_common:DateOfLastRevision').txt(xsDate(lastRevision));
  if (t.publication) tr.ele('inspire_common:DateOfPublication').txt(xsDate(t.publication));
}

function conformity(ec: Node, info: InspireDiscoveryInfo): void {
  const spec = info.conformity?.specification ?? NETWORK_SERVICES_REGULATION;
  const c = ec.ele('inspire_common:Conformity');
  const s = c.ele('inspire_common:Specification');
  textElement(s, 'inspire_common:Title', spec.title);
  s.ele('inspire_common:DateOfPublication').txt(xsDate(spec.date));
  c.ele('inspire_common:Degree').txt(info.conformity?.degree ?? 'notEvaluated');
}

function languages(ec: Node, info: InspireDiscoveryInfo): void {
  const [dflt, ...others] = info.languages;
  const supported = ec.ele('inspire_common:SupportedLanguages');
  textElement(supported.ele('inspire_common:DefaultLanguage'), 'inspire_common:Language', dflt);
  // The default language is a supported language too (TG Discovery Services, SupportedLanguages).
  for (const lang of [dflt, ...others]) {
    textElement(supported.ele('inspire_common:SupportedLanguage'), 'inspire_common:Language', lang);
  }
  textElement(ec.ele('inspire_common:ResponseLanguage'), 'inspire_common:Language', info.responseLanguage ?? dflt);
}
