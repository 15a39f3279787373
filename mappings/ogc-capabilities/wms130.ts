/**
 * WMS 1.3.0 capabilities (`{http://www.opengis.net/wms}WMS_Capabilities`) -> one view service record; WMS 1.1.1
 * (`WMT_MS_Capabilities`, no namespace) shares the structure and is read by the same code: only the namespace
 * and the geographic box differ (LatLonBoundingBox attributes instead of EX_GeographicBoundingBox).
 */
import type { BoundingBox, KeywordGroup, MappingResult, RawDocument, ResponsibleParty, ServiceOperation } from '../types.ts';
import { attribute, elements, first, select, type Step, type XmlElement } from '../xml/index.ts';
import { readInspireExtended } from './inspire.ts';
import { NS_WMS, NS_XLINK } from './namespaces.ts';
import { serviceRecord } from './record.ts';
import { clean, cleanBlock, distinct, num, wgs84Box, type LayerSummary, type ReadState, type ServiceSection } from './summary.ts';
import { parseCapabilities } from './parse.ts';

/** What differs between the two versions. */
interface Dialect {
  ns: string;
  version: string;
  box(st: ReadState, layer: XmlElement): BoundingBox | undefined;
}

const WMS130: Dialect = {
  ns: NS_WMS,
  version: '1.3.0',
  box(st, layer) {
    const box = first(layer, [NS_WMS, 'EX_GeographicBoundingBox']);
    if (!box) return undefined;
    const side = (name: string) => num(clean(first(box, [NS_WMS, name])));
    return wgs84Box(st, box, [side('westBoundLongitude'), side('eastBoundLongitude'), side('southBoundLatitude'), side('northBoundLatitude')]);
  },
};

const WMS111: Dialect = {
  ns: '',
  version: '1.1.1',
  box(st, layer) {
    const box = first(layer, ['', 'LatLonBoundingBox']);
    if (!box) return undefined;
    const at = (name: string) => num(attribute(box, '', name));
    return wgs84Box(st, box, [at('minx'), at('maxx'), at('miny'), at('maxy')]);
  },
};

/** Maps a WMS 1.3.0 capabilities document. */
export function mapWms130(raw: RawDocument): MappingResult {
  return mapWms(raw, WMS130);
}

/** Maps a WMS 1.1.1 capabilities document (WMT_MS_Capabilities). */
export function mapWms111(raw: RawDocument): MappingResult {
  return mapWms(raw, WMS111);
}

function mapWms(raw: RawDocument, d: Dialect): MappingResult {
  const st = parseCapabilities(raw, d.ns ? `{${d.ns}}WMS_Capabilities` : '{}WMT_MS_Capabilities');
  const w = (local: string): Step => [d.ns, local];
  const inspire = readInspireExtended(st.root);
  const capability = first(st.root, w('Capability'));
  const summary = {
    protocol: 'OGC:WMS',
    serviceType: 'view' as const,
    version: attribute(st.root, '', 'version')?.trim() || d.version,
    layerOperation: 'GetMap',
    service: readService(first(st.root, w('Service')), w),
    operations: readOperations(first(capability, w('Request')), w),
    layers: readLayers(st, d, first(capability, w('Layer'))),
    languages: inspire.languages,
    ...(inspire.metadataUrl ? { serviceMetadataUrl: inspire.metadataUrl } : {}),
  };
  return serviceRecord(raw, summary, st);
}

function readService(service: XmlElement | undefined, w: (l: string) => Step): ServiceSection {
  const out: ServiceSection = { keywords: readKeywords(service, w), contacts: [] };
  const contact = first(service, w('ContactInformation'));
  if (contact) out.contacts.push(readContact(contact, w));
  const values = {
    title: clean(first(service, w('Title'))),
    abstract: cleanBlock(first(service, w('Abstract'))),
    fees: clean(first(service, w('Fees'))),
    accessConstraints: clean(first(service, w('AccessConstraints'))),
    onlineResource: attribute(first(service, w('OnlineResource')), NS_XLINK, 'href')?.trim() || undefined,
  };
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k as keyof typeof values] = v;
  return out;
}

/** KeywordList/Keyword, one group per @vocabulary (WMS 1.3.0), the thesaurus named by it. */
function readKeywords(el: XmlElement | undefined, w: (l: string) => Step): KeywordGroup[] {
  const byVocabulary = new Map<string, string[]>();
  for (const k of select(el, w('KeywordList'), w('Keyword'))) {
    const text = clean(k);
    if (!text) continue;
    const vocabulary = attribute(k, '', 'vocabulary')?.trim() ?? '';
    const list = byVocabulary.get(vocabulary) ?? [];
    if (!list.includes(text)) list.push(text);
    byVocabulary.set(vocabulary, list);
  }
  return [...byVocabulary].map(([vocabulary, words]) => ({
    keywords: words.map((text) => ({ text })),
    ...(vocabulary ? { thesaurus: { title: vocabulary } } : {}),
  }));
}

function readContact(contact: XmlElement, w: (l: string) => Step): ResponsibleParty {
  const primary = first(contact, w('ContactPersonPrimary'));
  const address = first(contact, w('ContactAddress'));
  const party: ResponsibleParty = { role: 'pointOfContact' };
  const values = {
    individualName: clean(first(primary, w('ContactPerson'))),
    organisationName: clean(first(primary, w('ContactOrganization'))),
    positionName: clean(first(contact, w('ContactPosition'))),
  };
  for (const [k, v] of Object.entries(values)) if (v) party[k as keyof typeof values] = v;
  const emails = distinct([clean(first(contact, w('ContactElectronicMailAddress')))]);
  const phones = distinct([clean(first(contact, w('ContactVoiceTelephone')))]);
  if (emails.length) party.emails = emails;
  if (phones.length) party.phones = phones;
  const postal = {
    deliveryPoint: distinct([clean(first(address, w('Address')))]),
    city: clean(first(address, w('City'))),
    administrativeArea: clean(first(address, w('StateOrProvince'))),
    postalCode: clean(first(address, w('PostCode'))),
    country: clean(first(address, w('Country'))),
  };
  const kept = Object.entries(postal).filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length > 0));
  if (kept.length) party.address = Object.fromEntries(kept);
  return party;
}

/** Capability/Request/*: every operation (vendor ones such as sld:GetLegendGraphic included) and its DCPs. */
function readOperations(request: XmlElement | undefined, w: (l: string) => Step): ServiceOperation[] {
  return (request ? elements(request) : []).map((op) => {
    const http = select(op, w('DCPType'), w('HTTP'));
    const get = http.flatMap((h) => select(h, w('Get'), w('OnlineResource')));
    const post = http.flatMap((h) => select(h, w('Post'), w('OnlineResource')));
    return {
      name: op.local,
      dcp: [...(get.length ? ['HTTPGet'] : []), ...(post.length ? ['HTTPPost'] : [])],
      urls: distinct([...get, ...post].map((r) => attribute(r, NS_XLINK, 'href')?.trim() || undefined)),
    };
  });
}

/**
 * Every named layer of the tree, depth first. A layer without a Name is a category that cannot be requested
 * (WMS 1.3.0 §7.2.4.6.3) and is skipped; its geographic box is inherited by its children (§7.2.4.8).
 */
function readLayers(st: ReadState, d: Dialect, top: XmlElement | undefined): LayerSummary[] {
  const out: LayerSummary[] = [];
  const walk = (layer: XmlElement, inherited: BoundingBox | undefined): void => {
    const bbox = d.box(st, layer) ?? inherited;
    const name = clean(first(layer, [d.ns, 'Name']));
    if (name) out.push(readLayer(layer, name, bbox, d.ns));
    for (const child of select(layer, [d.ns, 'Layer'])) walk(child, bbox);
  };
  if (top) walk(top, undefined);
  return out;
}

function readLayer(layer: XmlElement, name: string, bbox: BoundingBox | undefined, ns: string): LayerSummary {
  const out: LayerSummary = { name, metadataUrls: isoMetadataUrls(layer, ns) };
  const title = clean(first(layer, [ns, 'Title']));
  if (title) out.title = title;
  if (bbox) out.bbox = bbox;
  const identifier = clean(first(layer, [ns, 'Identifier']));
  if (identifier) out.identifier = identifier;
  return out;
}

/**
 * MetadataURLs of type ISO19115:2003 or TC211 (FGDC ones are not ISO records). When a layer links the same
 * record as XML and as an HTML page, the XML links are kept.
 */
function isoMetadataUrls(layer: XmlElement, ns: string): string[] {
  const iso = select(layer, [ns, 'MetadataURL']).filter((m) => /iso|tc211/i.test(attribute(m, '', 'type') ?? ''));
  const links = iso.map((m) => ({
    href: attribute(first(m, [ns, 'OnlineResource']), NS_XLINK, 'href')?.trim(),
    xml: /xml/i.test(clean(first(m, [ns, 'Format'])) ?? 'xml'),
  })).filter((l): l is { href: string; xml: boolean } => !!l.href);
  const xml = links.filter((l) => l.xml);
  return distinct((xml.length ? xml : links).map((l) => l.href));
}
