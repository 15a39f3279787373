/**
 * MdRecord -> DCAT-AP 3 with the GeoDCAT-AP extensions, as RDF quads: what the hub's DCAT catalogue
 * (src/publish/dcat/) serialises for data.gouv.fr and other DCAT-AP harvesters. A pure function of the record and
 * its context (no clock, no I/O); the write-*.ts parts each write one group of properties.
 *
 * The resource's IRI is the hub's, `${baseUrl}/records/${recordId}#resource`, not the resource identifier
 * GeoDCAT-AP's XSLT uses when it is an http URI: harvested identifiers are untrusted (the same http identifier is
 * found on distinct resources, a chain A–B–C of shared identifiers leaves two catalogue rows with the same one), and
 * two rows described under one IRI would merge into one node with two titles. The hub IRI is unique per catalogue
 * row and dereferences to the hub's record; `#resource` keeps the resource apart from its catalogue record, which
 * is the document `${baseUrl}/records/${recordId}` itself. The resource identifier is dct:identifier.
 */
import type { Quad } from 'n3';
import type { MdRecord, ResourceIdentifier } from '../types.ts';
import { ADMS, DCAT, DCT, FOAF, GEODCAT, SKOS } from './vocab.ts';
import { texts, type DcatContext, type DcatWriter } from './write-context.ts';
import { writeDistributions } from './write-distribution.ts';
import { writeSpatial, writeTemporal } from './write-extent.ts';
import { writeKeywords } from './write-keywords.ts';
import { bcp47, euLanguageIri } from './write-languages.ts';
import { writeParties } from './write-parties.ts';
import { catalogRecordIri, writeProvenance } from './write-provenance.ts';
import { writeQuality } from './write-quality.ts';
import { writeRights } from './write-rights.ts';
import { writeServiceRecord } from './write-service.ts';
import { dateLiteral, iri, namedNode, QuadList, text } from './write-terms.ts';

export type { DcatContext, DcatMember } from './write-context.ts';
export { catalogRecordIri, sourceCatalogIri } from './write-provenance.ts';

/** The IRI the hub publishes a resource under. */
export function resourceIri(baseUrl: string, recordId: string): string {
  return `${catalogRecordIri(baseUrl, recordId)}#resource`;
}

/** How a dcat:Catalog lists the resource: dcat:service for a service, dcat:dataset for anything else. */
export function catalogProperty(rec: MdRecord): 'dataset' | 'service' {
  return rec.hierarchyLevel === 'service' ? 'service' : 'dataset';
}

/**
 * The classes of the resource. A series is dcat:DatasetSeries and also dcat:Dataset (its superclass in DCAT 3):
 * harvesters do no inference, and udata only looks for dcat:Dataset.
 */
function classesOf(rec: MdRecord): string[] {
  if (rec.hierarchyLevel === 'service') return [DCAT('DataService')];
  if (rec.hierarchyLevel === 'series') return [DCAT('Dataset'), DCAT('DatasetSeries')];
  return [DCAT('Dataset')];
}

/** The INSPIRE resource types (geodcat:resourceType). */
const RESOURCE_TYPES = new Set(['dataset', 'series', 'service']);
const RESOURCE_TYPE = 'http://inspire.ec.europa.eu/metadata-codelist/ResourceType/';

/** The DCAT-AP 3 / GeoDCAT-AP description of one published resource. */
export function datasetQuads(rec: MdRecord, ctx: DcatContext): Quad[] {
  const w: DcatWriter = { q: new QuadList(), rec, ctx, subject: namedNode(resourceIri(ctx.baseUrl, ctx.recordId)) };
  const lang = bcp47(rec.metadataLanguage);
  if (lang) w.lang = lang;
  writeHeader(w);
  writeKeywords(w);
  writeSpatial(w);
  writeTemporal(w);
  writeParties(w);
  const rights = writeRights(w);
  for (const a of rights.accessRights) w.q.add(w.subject, DCT('accessRights'), a);
  writeQuality(w);
  if (catalogProperty(rec) === 'service') {
    writeServiceRecord(w, rights);
  } else if (writeDistributions(w, rights) === 0) {
    // No distribution to carry it: the licence goes on the dataset so that it is not lost (udata reads it there).
    w.q.add(w.subject, DCT('license'), rights.licence);
  }
  writeProvenance(w);
  return w.q.quads;
}

function writeHeader(w: DcatWriter): void {
  const { q, rec, subject } = w;
  q.type(subject, ...classesOf(rec));
  if (RESOURCE_TYPES.has(rec.hierarchyLevel)) {
    q.add(subject, GEODCAT('resourceType'), namedNode(RESOURCE_TYPE + rec.hierarchyLevel));
  }
  writeIdentifiers(w);
  texts(w, subject, DCT('title'), rec.title, rec.translations.title);
  texts(w, subject, DCT('description'), rec.abstract, rec.translations.abstract);
  texts(w, subject, GEODCAT('purpose'), rec.purpose, rec.translations.purpose);
  writeDates(w);
  for (const l of rec.resourceLanguages) q.add(subject, DCT('language'), iri(euLanguageIri(l)));
  q.add(subject, DCAT('version'), text(rec.edition));
  for (const o of rec.graphicOverviews) q.iri(subject, FOAF('depiction'), o.url, ['http', 'https']);
}

/**
 * dct:identifier, exactly one (udata keys harvested datasets on it, and rdflib's `value()` picks any of several):
 * the first resource identifier (with its code space, as GeoDCAT-AP concatenates them), else the identifier the
 * resource is published under. The other resource identifiers are adms:identifier (skos:notation, code space as
 * adms:schemeAgency).
 */
function writeIdentifiers(w: DcatWriter): void {
  const ids = w.rec.resourceIdentifiers.filter((i) => i.code.trim());
  const main = ids[0] ? identifierText(ids[0]) : w.ctx.identifier;
  w.q.add(w.subject, DCT('identifier'), text(main) ?? text(w.ctx.recordId));
  for (const id of ids.slice(1)) {
    const node = w.q.node(ADMS('Identifier'));
    w.q.add(w.subject, ADMS('identifier'), node);
    w.q.add(node, SKOS('notation'), text(id.code));
    w.q.add(node, ADMS('schemeAgency'), text(id.codeSpace));
  }
}

/** code, or codeSpace + code ("org-id/" + "123456"; "FR-SIREN" + ":" + "123"): how the XSLT and GeoNetwork join. */
export function identifierText(id: ResourceIdentifier): string {
  const code = id.code.trim();
  const space = id.codeSpace?.trim();
  if (!space || /^[a-z][a-z0-9+.-]*:/i.test(code)) return code;
  return /[/:#]$/.test(space) ? space + code : /^https?:\/\//i.test(space) ? `${space}/${code}` : `${space}:${code}`;
}

/** dct:created / dct:issued: the earliest date of the type; dct:modified: the latest revision. */
function writeDates(w: DcatWriter): void {
  const ofType = (t: string) => w.rec.dates.filter((d) => d.type === t).map((d) => d.date).sort();
  const created = ofType('creation')[0];
  const issued = ofType('publication')[0];
  const modified = ofType('revision').at(-1);
  w.q.add(w.subject, DCT('created'), dateLiteral(created));
  w.q.add(w.subject, DCT('issued'), dateLiteral(issued));
  w.q.add(w.subject, DCT('modified'), dateLiteral(modified));
}

