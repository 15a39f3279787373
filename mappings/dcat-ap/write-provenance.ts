/**
 * Provenance: where the resource's description comes from (DCAT-AP 3 §CatalogRecord, GeoDCAT-AP §III.2).
 *
 * Each record of the resource's group is a dcat:CatalogRecord of the hub, `${baseUrl}/records/${id}` (the hub's
 * own page for it), with foaf:primaryTopic the resource, dct:modified (the hub's last change of the resource: what
 * tells a harvester of the hub that something moved) and dct:source the harvested document as the source served
 * it (`…/original`, DCAT-AP: "the original metadata that was used in creating metadata for the Dataset").
 * The source catalogue is a dcat:Catalog of its own, `${baseUrl}/catalog?source=${id}` (the hub's catalogue
 * filtered on that source: a real, dereferenceable page), with the source's title, its endpoint as dct:source, and
 * dcat:record each of its records (DCAT: a catalogue lists its records). The hub catalogue lists these catalogues
 * with dcat:catalog (src/publish/dcat/catalog.ts). The preferred record also carries the metadata about the
 * metadata GeoDCAT-AP puts on the catalogue record: the fileIdentifier, the metadata language and contacts, and
 * dct:conformsTo GeoDCAT-AP.
 */
import type { NamedNode } from 'n3';
import { DCAT, DCT, FOAF, GEODCAT } from './vocab.ts';
import type { DcatMember, DcatWriter } from './write-context.ts';
import { reachable, writeContact } from './write-parties.ts';
import { euLanguageIri } from './write-languages.ts';
import { dateLiteral, dateTime, iri, namedNode, text } from './write-terms.ts';

/** IRI of a hub record (the dcat:CatalogRecord). */
export function catalogRecordIri(baseUrl: string, recordId: string): string {
  return `${baseUrl}/records/${encodeURIComponent(recordId)}`;
}

/** IRI of a source's catalogue: the hub catalogue filtered on that source. */
export function sourceCatalogIri(baseUrl: string, sourceId: string): string {
  return `${baseUrl}/catalog?source=${encodeURIComponent(sourceId)}`;
}

export function writeProvenance(w: DcatWriter): void {
  w.ctx.members.forEach((m, i) => writeMember(w, m, i === 0));
}

function writeMember(w: DcatWriter, m: DcatMember, preferred: boolean): void {
  const { baseUrl } = w.ctx;
  const record = namedNode(catalogRecordIri(baseUrl, m.recordId));
  const original = namedNode(`${record.value}/original`);
  w.q.type(record, DCAT('CatalogRecord'));
  w.q.add(record, FOAF('primaryTopic'), w.subject);
  w.q.add(record, DCT('modified'), dateTime(w.ctx.changed));
  w.q.add(record, DCT('source'), original);
  w.q.add(record, DCT('conformsTo'), namedNode(GEODCAT('')));
  const catalog = namedNode(sourceCatalogIri(baseUrl, m.sourceId));
  w.q.type(catalog, DCAT('Catalog'));
  w.q.add(catalog, DCT('title'), text(m.sourceTitle?.trim() || m.sourceId));
  w.q.add(catalog, DCT('identifier'), text(m.sourceId));
  w.q.iri(catalog, DCT('source'), m.sourceUrl, ['http', 'https']);
  w.q.add(catalog, DCAT('record'), record);
  if (preferred) writeMetadataRecord(w, record, original);
}

function writeMetadataRecord(w: DcatWriter, record: NamedNode, original: NamedNode): void {
  const rec = w.rec;
  w.q.add(w.subject, FOAF('isPrimaryTopicOf'), record);
  w.q.add(record, DCT('identifier'), text(rec.identifier ?? undefined));
  w.q.add(record, DCT('language'), iri(euLanguageIri(rec.metadataLanguage)));
  for (const c of rec.metadataContacts.filter(reachable)) w.q.add(record, DCAT('contactPoint'), writeContact(w, c));
  // The harvested record's own date, as its source gave it.
  w.q.add(original, DCT('modified'), dateLiteral(rec.metadataDate));
}
