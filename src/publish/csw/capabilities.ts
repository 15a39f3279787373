/**
 * CSW 2.0.2 GetCapabilities response (OGC 07-006r1 §10.5, OWS 1.0.0 capabilities), with the ISO AP queryable
 * lists and the INSPIRE discovery service extended capabilities. The service identification and provider
 * are inputs (the caller supplies the French defaults); everything the hub supports is derived from
 * domains.ts, the queryables table and the filter tree.
 */
import { NS_CSW, NS_GML, NS_INSPIRE_COMMON, NS_INSPIRE_DS, NS_OGC, NS_OWS, NS_XLINK, NS_XSI, CSW_SCHEMA_LOCATION } from './namespaces.ts';
import { CSW_SERVICE, CSW_VERSION, SECTIONS, type Section } from './domains.ts';
import { operationsMetadata } from './capabilities-operations.ts';
import { filterCapabilities } from './capabilities-filter.ts';
import { inspireExtendedCapabilities, type InspireDiscoveryInfo } from './capabilities-inspire.ts';
import { attribute, newRoot, serialize, textElement, type Node } from './xml.ts';

export type { InspireDiscoveryInfo } from './capabilities-inspire.ts';

export interface ServiceIdentificationInfo {
  title: string;
  abstract?: string;
  keywords: readonly string[];
  fees?: string;
  accessConstraints?: readonly string[];
}

/** The service provider and its contact (OWS 1.0.0 ResponsiblePartySubsetType). */
export interface ServiceProviderInfo {
  name: string;
  site?: string;
  contact?: {
    individualName?: string;
    positionName?: string;
    phone?: string;
    deliveryPoint?: string;
    city?: string;
    postalCode?: string;
    country?: string;
    email?: string;
    onlineResource?: string;
    /** CI_RoleCode; pointOfContact by default. */
    role?: string;
  };
}

export interface CapabilitiesOptions {
  /** Public base URL of the hub; the CSW endpoint is `${baseUrl}/csw`. */
  baseUrl: string;
  identification: ServiceIdentificationInfo;
  provider: ServiceProviderInfo;
  inspire: InspireDiscoveryInfo;
  /** The `sections` requested (case-insensitive, "All" included); every section when absent or empty. */
  sections?: readonly string[] | null;
  /**
   * The LANGUAGE parameter (INSPIRE): becomes the ResponseLanguage when it is one of the supported languages;
   * otherwise the response is in the default language (TG Discovery Services: unsupported languages fall
   * back to the default).
   */
  language?: string | null;
  updateSequence?: string;
  /** maxRecords when a GetRecords request has none (10, as CSW 2.0.2 says). */
  maxRecordDefault?: number;
}

/** The sections to write: those requested that exist (names matched case-insensitively), or all of them. */
export function selectedSections(requested: readonly string[] | null | undefined): Set<Section> {
  const wanted = (requested ?? []).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (wanted.length === 0 || wanted.includes('all')) return new Set(SECTIONS);
  return new Set(SECTIONS.filter((s) => wanted.includes(s.toLowerCase())));
}

/** The csw:Capabilities document (UTF-8, with XML declaration). */
export function capabilities(opts: CapabilitiesOptions): string {
  const endpoint = `${opts.baseUrl.replace(/\/+$/, '')}/csw`;
  const root = newRoot(NS_CSW, 'csw:Capabilities', {
    csw: NS_CSW, ows: NS_OWS, ogc: NS_OGC, gml: NS_GML, xlink: NS_XLINK, xsi: NS_XSI,
    inspire_ds: NS_INSPIRE_DS, inspire_common: NS_INSPIRE_COMMON,
  }).att('version', CSW_VERSION);
  if (opts.updateSequence) attribute(root, 'updateSequence', opts.updateSequence);
  root.att('xsi:schemaLocation', CSW_SCHEMA_LOCATION);
  const sections = selectedSections(opts.sections);
  if (sections.has('ServiceIdentification')) serviceIdentification(root, opts.identification);
  if (sections.has('ServiceProvider')) serviceProvider(root, opts.provider);
  if (sections.has('OperationsMetadata')) {
    const om = operationsMetadata(root, {
      endpoint, languages: opts.inspire.languages, maxRecordDefault: opts.maxRecordDefault ?? 10,
    });
    inspireExtendedCapabilities(om, endpoint, { ...opts.inspire, responseLanguage: responseLanguage(opts) });
  }
  // csw:CapabilitiesType requires ogc:Filter_Capabilities: it is written even when not asked for (as pycsw
  // does), or the document would not validate.
  filterCapabilities(root);
  return serialize(root);
}

/** The response language: LANGUAGE when supported, else the configured response or default language. */
function responseLanguage(opts: CapabilitiesOptions): string | undefined {
  const asked = opts.language?.trim().toLowerCase();
  const supported = opts.inspire.languages.find((l) => l.toLowerCase() === asked);
  return supported ?? opts.inspire.responseLanguage;
}

/** ows:ServiceIdentification, in owsServiceIdentification.xsd order. */
function serviceIdentification(root: Node, info: ServiceIdentificationInfo): void {
  const si = root.ele('ows:ServiceIdentification');
  textElement(si, 'ows:Title', info.title);
  if (info.abstract) textElement(si, 'ows:Abstract', info.abstract);
  const keywords = info.keywords.filter((k) => k.trim() !== '');
  if (keywords.length > 0) {
    const kw = si.ele('ows:Keywords');
    for (const k of keywords) textElement(kw, 'ows:Keyword', k);
  }
  si.ele('ows:ServiceType').att('codeSpace', 'OGC').txt(CSW_SERVICE);
  si.ele('ows:ServiceTypeVersion').txt(CSW_VERSION);
  if (info.fees) textElement(si, 'ows:Fees', info.fees);
  for (const c of info.accessConstraints ?? []) textElement(si, 'ows:AccessConstraints', c);
}

/** ows:ServiceProvider; ServiceContact is mandatory, its content is not. */
function serviceProvider(root: Node, info: ServiceProviderInfo): void {
  const sp = root.ele('ows:ServiceProvider');
  textElement(sp, 'ows:ProviderName', info.name);
  if (info.site) attribute(sp.ele('ows:ProviderSite').att('xlink:type', 'simple'), 'xlink:href', info.site);
  const sc = sp.ele('ows:ServiceContact');
  const c = info.contact ?? {};
  if (c.individualName) textElement(sc, 'ows:IndividualName', c.individualName);
  if (c.positionName) textElement(sc, 'ows:PositionName', c.positionName);
  contactInfo(sc, c);
  sc.ele('ows:Role').att('codeSpace', 'ISOTC211/19115').txt(c.role ?? 'pointOfContact');
}

function contactInfo(sc: Node, c: NonNullable<ServiceProviderInfo['contact']>): void {
  const hasAddress = c.deliveryPoint || c.city || c.postalCode || c.country || c.email;
  if (!c.phone && !hasAddress && !c.onlineResource) return;
  const ci = sc.ele('ows:ContactInfo');
  if (c.phone) textElement(ci.ele('ows:Phone'), 'ows:Voice', c.phone);
  if (hasAddress) {
    const a = ci.ele('ows:Address');
    if (c.deliveryPoint) textElement(a, 'ows:DeliveryPoint', c.deliveryPoint);
    if (c.city) textElement(a, 'ows:City', c.city);
    if (c.postalCode) textElement(a, 'ows:PostalCode', c.postalCode);
    if (c.country) textElement(a, 'ows:Country', c.country);
    if (c.email) textElement(a, 'ows:ElectronicMailAddress', c.email);
  }
  if (c.onlineResource) attribute(ci.ele('ows:OnlineResource').att('xlink:type', 'simple'), 'xlink:href', c.onlineResource);
}
