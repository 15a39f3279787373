/**
 * OWS Common (1.1, and 1.0 where servers mix them) sections shared by WMTS 1.0.0 and WFS 2.0.0:
 * ServiceIdentification, ServiceProvider, OperationsMetadata, ows:Keywords and ows:WGS84BoundingBox.
 */
import type { BoundingBox, KeywordGroup, ResponsibleParty, ServiceOperation } from '../types.ts';
import { attribute, first, select, type Step, type XmlElement } from '../xml/index.ts';
import { NS_OWS, NS_XLINK } from './namespaces.ts';
import { clean, cleanBlock, distinct, num, wgs84Box, type ReadState, type ServiceSection } from './summary.ts';

export const ows = (local: string): Step => [NS_OWS, local];

/** ServiceIdentification + ServiceProvider -> the service section. */
export function readOwsService(root: XmlElement): ServiceSection {
  const ident = first(root, ows('ServiceIdentification'));
  const provider = first(root, ows('ServiceProvider'));
  const out: ServiceSection = {
    keywords: readOwsKeywords(ident),
    contacts: provider ? [readProvider(provider)] : [],
  };
  const set = <K extends keyof ServiceSection>(key: K, value: ServiceSection[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('title', clean(first(ident, ows('Title'))));
  set('abstract', cleanBlock(first(ident, ows('Abstract'))));
  set('fees', clean(first(ident, ows('Fees'))));
  set('accessConstraints', distinct(select(ident, ows('AccessConstraints')).map(clean)).join('; ') || undefined);
  return out;
}

/** Every ows:Keywords block of an element: one group each, typed by ows:Type, thesaurus from its codeSpace. */
export function readOwsKeywords(el: XmlElement | undefined): KeywordGroup[] {
  const groups: KeywordGroup[] = [];
  for (const block of select(el, ows('Keywords'))) {
    const keywords = distinct(select(block, ows('Keyword')).map(clean)).map((text) => ({ text }));
    if (keywords.length === 0) continue;
    const group: KeywordGroup = { keywords };
    const type = first(block, ows('Type'));
    const typeText = clean(type);
    if (typeText) group.type = typeText;
    const codeSpace = attribute(type, '', 'codeSpace')?.trim();
    if (codeSpace) group.thesaurus = { title: codeSpace };
    groups.push(group);
  }
  return groups;
}

/** ows:ServiceProvider -> a responsible party (role from ows:Role, pointOfContact by default). */
function readProvider(provider: XmlElement): ResponsibleParty {
  const contact = first(provider, ows('ServiceContact'));
  const info = first(contact, ows('ContactInfo'));
  const address = first(info, ows('Address'));
  const party: ResponsibleParty = { role: clean(first(contact, ows('Role'))) ?? 'pointOfContact' };
  const put = <K extends keyof ResponsibleParty>(key: K, value: ResponsibleParty[K] | undefined): void => {
    if (value !== undefined && (!Array.isArray(value) || value.length > 0)) party[key] = value;
  };
  put('organisationName', clean(first(provider, ows('ProviderName'))));
  put('individualName', clean(first(contact, ows('IndividualName'))));
  put('positionName', clean(first(contact, ows('PositionName'))));
  put('emails', distinct(select(address, ows('ElectronicMailAddress')).map(clean)));
  put('phones', distinct(select(info, ows('Phone'), ows('Voice')).map(clean)));
  put('url', attribute(first(provider, ows('ProviderSite')), NS_XLINK, 'href')?.trim() || undefined);
  const postal = {
    deliveryPoint: distinct(select(address, ows('DeliveryPoint')).map(clean)),
    city: clean(first(address, ows('City'))),
    administrativeArea: clean(first(address, ows('AdministrativeArea'))),
    postalCode: clean(first(address, ows('PostalCode'))),
    country: clean(first(address, ows('Country'))),
  };
  const kept = Object.fromEntries(Object.entries(postal).filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length)));
  if (Object.keys(kept).length) party.address = kept;
  return party;
}

/** ows:OperationsMetadata/ows:Operation -> operations with their HTTP GET / POST endpoints. */
export function readOwsOperations(root: XmlElement): ServiceOperation[] {
  return select(root, ows('OperationsMetadata'), ows('Operation')).map((op) => {
    const http = select(op, ows('DCP'), ows('HTTP'));
    const get = http.flatMap((h) => select(h, ows('Get')));
    const post = http.flatMap((h) => select(h, ows('Post')));
    return {
      name: attribute(op, '', 'name')?.trim() ?? '',
      dcp: [...(get.length ? ['HTTPGet'] : []), ...(post.length ? ['HTTPPost'] : [])],
      urls: distinct([...get, ...post].map((m) => attribute(m, NS_XLINK, 'href')?.trim() || undefined)),
    };
  }).filter((op) => op.name !== '');
}

/** ows:WGS84BoundingBox: corners are "lon lat" (OWS Common 1.1 §10.2.2), never lat lon. */
export function readWgs84Box(st: ReadState, el: XmlElement | undefined): BoundingBox | undefined {
  const box = first(el, ows('WGS84BoundingBox'));
  if (!box) return undefined;
  const lower = clean(first(box, ows('LowerCorner')))?.split(' ').map(num) ?? [];
  const upper = clean(first(box, ows('UpperCorner')))?.split(' ').map(num) ?? [];
  return wgs84Box(st, box, [lower[0], upper[0], lower[1], upper[1]]);
}
