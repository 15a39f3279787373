/**
 * DCAT-AP 2/3, GeoDCAT-AP and data.gouv.fr / CKAN DCAT -> MdRecord. A pure mapping (STYLE §6): parse the
 * document (N-Triples as the DCAT harvester stores it, Turtle, RDF/XML), pick the record resource (a
 * dcat:Dataset, dcat:DatasetSeries or dcat:DataService), read it with the read-*.ts readers. Issues name the RDF
 * subject: an IRI, or a `_:record/…` path from the record resource for blank nodes.
 */
import { MappingError, type MappingIssue, type MappingResult, type MdRecord, type RawDocument } from '../types.ts';
import { nativeIdOf, recordNodes, scopeOf, termKey } from './describe.ts';
import { Graph, parseRdfSync, RdfError, repairIris, detectSyntax, type Quad, type Term } from './rdf.ts';
import { assignPaths, assign, chooseLanguage, literals, textIn, type ReadContext } from './read-context.ts';
import { readDistributions, readRights } from './read-distribution.ts';
import { readSpatial, readTemporal } from './read-extent.ts';
import { readKeywords } from './read-keywords.ts';
import { readParties } from './read-parties.ts';
import * as res from './read-resource.ts';
import { readService } from './read-service.ts';
import { DCAT, DCT, FOAF, HYDRA } from './vocab.ts';
import { emptyRecord } from '../record.ts';

/** Maps one DCAT document. Throws MappingError when it is not RDF, not readable, or holds no record resource. */
export function readDcatAp(raw: RawDocument): MappingResult {
  const syntax = detectSyntax(raw.mediaType, raw.bytes);
  if (syntax === 'html') throw new MappingError('an HTML page, not an RDF document');
  if (syntax === null) throw new MappingError(`not an RDF document (media type ${raw.mediaType || 'none'})`);
  if (syntax === 'json-ld') {
    throw new MappingError('JSON-LD is read by the dcat harvester, which stores each dataset as N-Triples');
  }
  let parsed: Quad[];
  try {
    parsed = parseRdfSync(raw.bytes, syntax, raw.url);
  } catch (e) {
    if (e instanceof RdfError) throw new MappingError(`cannot read DCAT document: ${e.message}`);
    throw e;
  }
  const { quads, repaired } = repairIris(parsed);
  const result = readDcatGraph(new Graph(quads), raw.nativeId);
  const repairs: MappingIssue[] = [...repaired].map(([from, to]) => ({
    severity: 'warning',
    path: to,
    message: `invalid IRI <${from}> percent-encoded`,
  }));
  return { record: result.record, issues: [...repairs, ...result.issues] };
}

/** Maps the record resource of a parsed graph: the one whose native id is `nativeId`, else the top one. */
export function readDcatGraph(graph: Graph, nativeId?: string): MappingResult {
  const issues: MappingIssue[] = [];
  const root = chooseRoot(graph, nativeId, issues);
  const lang = chooseLanguage(graph.objects(root, DCT('title')));
  const ctx: ReadContext = { graph, root, lang, issues, paths: assignPaths(graph, root) };
  return { record: readRecord(ctx, scopeOf(graph, root)), issues };
}

/** Links from a catalogue or a catalogue record to a resource do not make it part of another resource. */
const LISTING = new Set([DCAT('dataset'), DCAT('service'), DCAT('record'), FOAF('primaryTopic'), HYDRA('member')]);

function chooseRoot(graph: Graph, nativeId: string | undefined, issues: MappingIssue[]): Term {
  const candidates = recordNodes(graph);
  if (candidates.length === 0) throw new MappingError('no dcat:Dataset, dcat:DatasetSeries or dcat:DataService in the document');
  const wanted = nativeId !== undefined ? candidates.find((c) => nativeIdOf(graph, c) === nativeId) : undefined;
  if (wanted) return wanted;
  const tops = candidates.filter((c) => !graph.quadsTo(c).some((q) => !LISTING.has(q.predicate.value)));
  const root = (tops.length > 0 ? tops : candidates)[0];
  if (tops.length > 1) {
    issues.push({
      severity: 'warning',
      path: root.termType === 'NamedNode' ? root.value : '_:record',
      message: `the document describes ${tops.length} records; only this one is mapped (harvest the catalogue with the dcat harvester)`,
    });
  }
  return root;
}

function readRecord(ctx: ReadContext, scope: string): MdRecord {
  const title = textIn(ctx, ctx.root, [DCT('title')]);
  if (!title.main) ctx.issues.push({ severity: 'error', path: rootPath(ctx), message: 'no dct:title' });
  const abstract = textIn(ctx, ctx.root, [DCT('description'), DCT('abstract')]);
  const record = baseRecord(ctx, scope, title.main ?? '');
  assign(record, 'abstract', abstract.main);
  assign(record.translations, 'title', title.translations);
  assign(record.translations, 'abstract', abstract.translations);
  readHeader(ctx, record);
  Object.assign(record, readSpatial(ctx), readKeywords(ctx), readDistributions(ctx), res.conformsTo(ctx));
  record.temporalExtents = readTemporal(ctx);
  const rights = readRights(ctx);
  record.constraints = rights.constraints;
  assign(record, 'licence', rights.licence);
  const lineage = res.lineage(ctx);
  assign(record, 'lineage', lineage.main);
  assign(record.translations, 'lineage', lineage.translations);
  const freq = res.frequency(ctx);
  // The record model has no maintenance frequency yet: kept as a keyword of the EU frequency vocabulary.
  if (freq) record.keywords.push({ keywords: [freq], type: 'temporal', thesaurus: FREQUENCY });
  if (scope === 'service') record.service = readService(ctx);
  return record;
}

const FREQUENCY = { title: 'Frequency (dct:accrualPeriodicity)', href: 'http://publications.europa.eu/resource/authority/frequency' };

function readHeader(ctx: ReadContext, record: MdRecord): void {
  const catalogRecord = res.catalogRecord(ctx);
  record.resourceIdentifiers = res.resourceIdentifiers(ctx);
  record.dates = res.resourceDates(ctx);
  record.resourceLanguages = res.languages(ctx, ctx.root);
  record.resourceContacts = readParties(ctx, ctx.root);
  record.graphicOverviews = res.overviews(ctx);
  record.spatialResolutions = res.resolutions(ctx);
  assign(record, 'edition', res.edition(ctx));
  assign(record, 'metadataDate', res.metadataDate(ctx, catalogRecord));
  if (catalogRecord) record.metadataContacts = readParties(ctx, catalogRecord);
  const recordLanguages = catalogRecord ? res.languages(ctx, catalogRecord) : [];
  assign(record, 'metadataLanguage', ctx.lang || recordLanguages[0] || record.resourceLanguages[0]);
}

function baseRecord(ctx: ReadContext, scope: string, title: string): MdRecord {
  return {
    ...emptyRecord(),
    identifier: recordIdentifier(ctx),
    hierarchyLevel: res.hierarchyLevel(ctx, scope),
    title,
    alternateTitles: literals(ctx, ctx.root, [DCT('alternative')]).map((t) => t.value.trim()),
  };
}

/** dct:identifier, else the IRI, else the catalogue record's dct:identifier (GeoDCAT-AP's fileIdentifier). */
function recordIdentifier(ctx: ReadContext): string | null {
  const own = nativeIdOf(ctx.graph, ctx.root);
  const literal = literals(ctx, ctx.root, [DCT('identifier')])[0]?.value.trim();
  if (literal) return literal;
  if (own) return own;
  const cr = res.catalogRecord(ctx);
  const fromRecord = cr && literals(ctx, cr, [DCT('identifier')])[0]?.value.trim();
  if (fromRecord) return fromRecord;
  ctx.issues.push({ severity: 'warning', path: rootPath(ctx), message: 'no identifier: a blank node without dct:identifier' });
  return null;
}

function rootPath(ctx: ReadContext): string {
  return ctx.paths.get(termKey(ctx.root)) ?? '_:record';
}
