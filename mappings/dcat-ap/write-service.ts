/**
 * A service record -> the specifics of its dcat:DataService (GeoDCAT-AP §III.12): endpoints from its online
 * resources (the endpoint, and the document describing it: GetCapabilities, an Atom feed) or, without any, from
 * its operations' connect points; the OGC standard (dct:conformsTo, geodcat:serviceProtocol); the INSPIRE spatial
 * data service type (geodcat:serviceType); dcat:servesDataset for the datasets it operates on that the hub
 * publishes (resolved by the caller); licence and access rights on the service itself.
 */
import { DCAT, DCT, GEODCAT } from './vocab.ts';
import type { DcatWriter } from './write-context.ts';
import { ogcServiceOf, owsEndpoint, type OgcService } from './write-ogc.ts';
import type { Rights } from './write-rights.ts';
import { iri, namedNode } from './write-terms.ts';

const WEB = ['http', 'https', 'ftp'];
const SERVICE_TYPE = 'http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceType/';
const INSPIRE_SERVICE_TYPES = new Set(['discovery', 'view', 'download', 'transformation', 'invoke', 'other']);

export function writeServiceRecord(w: DcatWriter, rights: Rights): void {
  const info = w.rec.service;
  const type = info?.type.trim() ?? '';
  if (INSPIRE_SERVICE_TYPES.has(type)) w.q.add(w.subject, GEODCAT('serviceType'), namedNode(SERVICE_TYPE + type));
  const standards = new Set<string>();
  const typeService = ogcServiceOf(type, '');
  if (typeService?.standard) standards.add(typeService.standard);
  let endpoints = 0;
  for (const r of w.rec.onlineResources) {
    const url = iri(r.url, WEB);
    if (!url) continue;
    const service = ogcServiceOf(r.protocol, url.value) ?? typeService;
    if (service?.standard) standards.add(service.standard);
    writeEndpoint(w, url.value, service);
    endpoints++;
  }
  if (endpoints === 0) {
    for (const u of new Set(info?.operations.flatMap((o) => o.urls) ?? [])) w.q.iri(w.subject, DCAT('endpointURL'), u, WEB);
  }
  for (const s of standards) {
    w.q.add(w.subject, DCT('conformsTo'), namedNode(s));
    w.q.add(w.subject, GEODCAT('serviceProtocol'), namedNode(s));
  }
  w.q.add(w.subject, DCT('license'), rights.licence);
  w.q.add(w.subject, DCT('rights'), rights.rights);
  for (const a of rights.accessRights) w.q.add(w.subject, DCT('accessRights'), a);
  writeServedDatasets(w);
}

function writeEndpoint(w: DcatWriter, url: string, service: OgcService | undefined): void {
  const { endpoint, description } = service?.ows ? owsEndpoint(url, service) : { endpoint: url, description: url };
  w.q.iri(w.subject, DCAT('endpointURL'), endpoint, WEB);
  w.q.iri(w.subject, DCAT('endpointDescription'), description, WEB);
}

function writeServedDatasets(w: DcatWriter): void {
  const served = w.ctx.servedDatasets;
  const info = w.rec.service;
  if (!served || !info) return;
  const refs = [...info.operatesOn.flatMap((o) => [o.uuidref, o.href]), ...info.coupledResources.map((c) => c.identifier)];
  for (const ref of refs) {
    const target = ref === undefined ? undefined : served.get(ref);
    if (target) w.q.iri(w.subject, DCAT('servesDataset'), target, ['http', 'https']);
  }
}
