/**
 * Online resources of a dataset or series -> one dcat:Distribution each (DCAT-AP 3, GeoDCAT-AP §III.11):
 * dcat:accessURL always; dcat:downloadURL for a file (download function or protocol, a file extension);
 * dct:format / dcat:mediaType when recognised; dct:license on every distribution (DESIGN §7), dct:rights;
 * adms:representationTechnique the INSPIRE spatial representation types (GeoDCAT-AP).
 * A WMS/WFS/WMTS/WCS/OGC API resource also gets a dcat:DataService as dcat:accessService (endpoint, GetCapabilities
 * as endpoint description, the OGC standard as dct:conformsTo and geodcat:serviceProtocol, dcat:servesDataset
 * back to the dataset), as GeoDCAT-AP's XSLT and data.gouv.fr write it. Information links are also foaf:page.
 * A URL that cannot be an IRI is left out with its resource (udata also skips resources without a URL).
 */
import type { NamedNode } from 'n3';
import type { OnlineResource } from '../types.ts';
import { ADMS, DCAT, DCT, FOAF, GEODCAT, RDFS } from './vocab.ts';
import type { DcatWriter } from './write-context.ts';
import { fileTypeIri, formatOfName, formatOfUrl, mediaTypeIri, type FileFormat } from './write-formats.ts';
import { ogcServiceOf, owsEndpoint, type OgcService } from './write-ogc.ts';
import type { Rights } from './write-rights.ts';
import { iri, namedNode, text, type Subject } from './write-terms.ts';

const WEB = ['http', 'https', 'ftp'];
const REPRESENTATION = 'http://inspire.ec.europa.eu/metadata-codelist/SpatialRepresentationType/';
const DOWNLOAD_PROTOCOL = /download|file/i;

export function writeDistributions(w: DcatWriter, rights: Rights): number {
  let written = 0;
  for (const r of w.rec.onlineResources) {
    const url = iri(r.url, WEB);
    if (!url) continue;
    writeDistribution(w, r, url, rights);
    if (r.function === 'information' || r.function === 'search') w.q.add(w.subject, FOAF('page'), url);
    written++;
  }
  return written;
}

function writeDistribution(w: DcatWriter, r: OnlineResource, url: NamedNode, rights: Rights): void {
  const d = w.q.node(DCAT('Distribution'));
  w.q.add(w.subject, DCAT('distribution'), d);
  w.q.add(d, DCAT('accessURL'), url);
  w.q.add(d, DCT('title'), text(r.name, w.lang));
  w.q.add(d, DCT('description'), text(r.description, w.lang));
  w.q.add(d, DCT('license'), rights.licence);
  w.q.add(d, DCT('rights'), rights.rights);
  for (const t of w.rec.spatialRepresentationTypes) {
    if (/^[A-Za-z]+$/.test(t)) w.q.add(d, ADMS('representationTechnique'), namedNode(REPRESENTATION + t));
  }
  const service = ogcServiceOf(r.protocol, url.value);
  if (service) {
    w.q.add(d, DCAT('accessService'), writeAccessService(w, r, url.value, service, rights));
    if (service.fileType) w.q.add(d, DCT('format'), namedNode(fileTypeIri(service.fileType)));
    return;
  }
  const fromUrl = formatOfUrl(url.value);
  const download = r.function === 'download' || DOWNLOAD_PROTOCOL.test(r.protocol ?? '') || (!!fromUrl && fromUrl.code !== 'HTML');
  if (download) w.q.add(d, DCAT('downloadURL'), url);
  writeFormat(w, d, fromUrl, download ? onlyFormatName(w) : undefined);
}

/** The record's format when it names only one: the format of its downloads. */
function onlyFormatName(w: DcatWriter): string | undefined {
  const names = [...new Set(w.rec.distributionFormats.map((f) => f.name.trim()).filter(Boolean))];
  return names.length === 1 ? names[0] : undefined;
}

function writeFormat(w: DcatWriter, d: Subject, fromUrl: FileFormat | undefined, recordFormat: string | undefined): void {
  const format = fromUrl ?? (recordFormat ? formatOfName(recordFormat) : undefined);
  if (format) {
    w.q.add(d, DCT('format'), namedNode(fileTypeIri(format.code)));
    if (format.mediaType) w.q.add(d, DCAT('mediaType'), namedNode(mediaTypeIri(format.mediaType)));
  } else if (recordFormat) {
    // An unknown format name stays a label: udata and CKAN read it as the format, validators as an extent.
    const node = w.q.node(DCT('MediaTypeOrExtent'));
    w.q.add(node, RDFS('label'), text(recordFormat));
    w.q.add(d, DCT('format'), node);
  }
}

function writeAccessService(w: DcatWriter, r: OnlineResource, url: string, service: OgcService, rights: Rights): Subject {
  const s = w.q.node(DCAT('DataService'));
  const { endpoint, description } = owsEndpoint(url, service);
  w.q.add(s, DCT('title'), text(r.name, w.lang) ?? text(service.name));
  w.q.iri(s, DCAT('endpointURL'), endpoint, WEB);
  w.q.iri(s, DCAT('endpointDescription'), description, WEB);
  if (service.standard) {
    w.q.add(s, DCT('conformsTo'), namedNode(service.standard));
    w.q.add(s, GEODCAT('serviceProtocol'), namedNode(service.standard));
  }
  w.q.add(s, DCAT('servesDataset'), w.subject);
  w.q.add(s, DCT('license'), rights.licence);
  for (const a of rights.accessRights) w.q.add(s, DCT('accessRights'), a);
  return s;
}
