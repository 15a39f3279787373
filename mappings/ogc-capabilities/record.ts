/**
 * A capabilities summary -> ONE service record (hierarchyLevel service). Layers and feature types become
 * coupled resources and online resources; their MetadataURLs become srv:operatesOn references, which is how a
 * service record links to the dataset records it serves (uuidref = the record id of a CSW / GeoNetwork link).
 */
import { recogniseLicence } from '../iso19139/licences.ts';
import type {
  BoundingBox,
  Constraint,
  CoupledResource,
  MappingResult,
  MdRecord,
  OnlineResource,
  OperatesOn,
  RawDocument,
  ServiceInfo,
} from '../types.ts';
import type { CapabilitiesSummary, LayerSummary, ReadState } from './summary.ts';
import { emptyRecord } from '../record.ts';

/** Above this many distinct layer boxes, the record keeps their union instead (swisstopo WMTS: 650 layers). */
export const MAX_LISTED_BBOXES = 20;

/** OGC KVP parameters of the GetCapabilities request itself, dropped from the service endpoint. */
const REQUEST_PARAMS = new Set(['service', 'request', 'version', 'acceptversions', 'sections', 'updatesequence', 'acceptformats']);

/** Builds the record; `st.issues` (from the flavour's reader) become its issues. */
export function serviceRecord(raw: RawDocument, sum: CapabilitiesSummary, st: ReadState): MappingResult {
  const s = sum.service;
  if (!s.title) st.issues.push({ severity: 'warning', path: '/', message: 'capabilities without a service title' });
  const constraints = constraintsOf(s.fees, s.accessConstraints);
  const record: MdRecord = {
    ...emptyRecord(),
    identifier: raw.nativeId ?? (isHttp(raw.url) ? raw.url : null),
    hierarchyLevel: 'service',
    metadataContacts: s.contacts.map((c) => ({ ...c, role: 'pointOfContact' })),
    title: s.title ?? '',
    resourceContacts: s.contacts,
    keywords: s.keywords,
    resourceLanguages: sum.languages,
    bboxes: serviceBoxes(sum.layers.map((l) => l.bbox)),
    constraints,
    onlineResources: onlineResources(raw, sum),
    service: serviceInfo(sum),
  };
  if (s.abstract) record.abstract = s.abstract;
  if (sum.languages[0]) record.metadataLanguage = sum.languages[0];
  const licence = recogniseLicence(s.fees) ?? recogniseLicence(s.accessConstraints);
  if (licence) record.licence = licence;
  return { record, issues: st.issues };
}

function isHttp(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function serviceInfo(sum: CapabilitiesSummary): ServiceInfo {
  const operatesOn = operatesOnOf(sum.layers);
  return {
    type: sum.serviceType,
    typeVersions: sum.version ? [sum.version] : [],
    // ISO 19119: tight = the service serves named datasets, which the MetadataURLs say it does.
    couplingType: operatesOn.length > 0 ? 'tight' : 'loose',
    operations: sum.operations,
    operatesOn,
    coupledResources: sum.layers.map((l) => coupled(l, sum.layerOperation)),
  };
}

function coupled(layer: LayerSummary, operationName: string): CoupledResource {
  const fromMetadata = layer.metadataUrls.map(recordIdInUrl).find((id) => id !== undefined);
  return { operationName, identifier: fromMetadata ?? layer.identifier ?? layer.name, layerName: layer.name };
}

/**
 * One operatesOn per distinct dataset record (its uuid, else the link), titled by the first layer that gives
 * it: a layer linking the same record as XML and as an HTML page (DOV) references it once.
 */
function operatesOnOf(layers: LayerSummary[]): OperatesOn[] {
  const out = new Map<string, OperatesOn>();
  for (const layer of layers) {
    for (const href of layer.metadataUrls) {
      const uuid = recordIdInUrl(href);
      const key = uuid ?? href;
      if (out.has(key)) continue;
      const ref: OperatesOn = { href };
      if (uuid) ref.uuidref = uuid;
      const title = layer.title ?? layer.name;
      if (title) ref.title = title;
      out.set(key, ref);
    }
  }
  return [...out.values()];
}

/**
 * The metadata record id a link carries: the `id` / `uuid` parameter of a CSW GetRecordById or GeoNetwork
 * URL, or the last step of a GeoNetwork 4 `/api/records/{uuid}` or `#/metadata/{uuid}` path.
 */
export function recordIdInUrl(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return undefined;
  }
  for (const [k, v] of url.searchParams) {
    if (/^(id|uuid|fileidentifier)$/i.test(k) && v.trim()) return v.trim();
  }
  const m = /\/api\/records\/([^/?#]+)/.exec(url.pathname) ?? /^#\/metadata\/([^/?#]+)/.exec(url.hash);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** Distinct layer boxes, or their union when there are too many to list. */
export function serviceBoxes(boxes: (BoundingBox | undefined)[]): BoundingBox[] {
  const distinctBoxes = new Map<string, BoundingBox>();
  for (const b of boxes) if (b) distinctBoxes.set(`${b.west} ${b.east} ${b.south} ${b.north}`, b);
  const all = [...distinctBoxes.values()];
  if (all.length <= MAX_LISTED_BBOXES) return all;
  return [{
    west: Math.min(...all.map((b) => b.west)),
    east: Math.max(...all.map((b) => b.east)),
    south: Math.min(...all.map((b) => b.south)),
    north: Math.max(...all.map((b) => b.north)),
  }];
}

/**
 * Fees are the conditions of use, AccessConstraints the limits on public access (the INSPIRE reading of the
 * two OGC fields): each becomes a legal constraint with otherRestrictions and the text as found.
 */
export function constraintsOf(fees: string | undefined, access: string | undefined): Constraint[] {
  const out: Constraint[] = [];
  const base = { kind: 'legal' as const, useLimitations: [], accessConstraints: [], useConstraints: [] };
  if (fees) out.push({ ...base, useConstraints: ['otherRestrictions'], otherConstraints: [{ text: fees }] });
  if (access) out.push({ ...base, accessConstraints: ['otherRestrictions'], otherConstraints: [{ text: access }] });
  return out;
}

function onlineResources(raw: RawDocument, sum: CapabilitiesSummary): OnlineResource[] {
  const endpoint = serviceEndpoint(raw, sum);
  const capabilities = isHttp(raw.url) ? raw.url : operationUrl(sum, 'GetCapabilities') ?? endpoint;
  const out: OnlineResource[] = [{ url: capabilities, protocol: sum.protocol, description: 'GetCapabilities' }];
  if (sum.serviceMetadataUrl) {
    out.push({ url: sum.serviceMetadataUrl, name: 'service metadata', description: 'INSPIRE service metadata', function: 'information' });
  }
  for (const layer of sum.layers) {
    const r: OnlineResource = { url: endpoint, protocol: sum.protocol, name: layer.name };
    if (layer.title) r.description = layer.title;
    out.push(r);
  }
  return out;
}

/**
 * Where clients send layer requests. The URL the capabilities were fetched from (minus the GetCapabilities
 * parameters) comes first: it is known to answer, whereas advertised URLs can name hosts clients cannot reach
 * (Köln's ArcGIS capabilities name its internal https://k00364:6443). Then the advertised layer operation, then
 * GetCapabilities.
 */
export function serviceEndpoint(raw: RawDocument, sum: CapabilitiesSummary): string {
  if (isHttp(raw.url)) {
    const url = new URL(raw.url);
    for (const k of [...url.searchParams.keys()]) if (REQUEST_PARAMS.has(k.toLowerCase())) url.searchParams.delete(k);
    url.hash = '';
    return url.href.replace(/\?$/, '');
  }
  return operationUrl(sum, sum.layerOperation) ?? operationUrl(sum, 'GetCapabilities') ?? sum.service.onlineResource ?? raw.url;
}

function operationUrl(sum: CapabilitiesSummary, name: string): string | undefined {
  return sum.operations.find((o) => o.name.toLowerCase() === name.toLowerCase())?.urls[0];
}
