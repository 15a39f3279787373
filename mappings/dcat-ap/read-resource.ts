/**
 * The header fields of a DCAT record: hierarchy level, identifiers, dates, languages, conformity and
 * reference systems (dct:conformsTo), lineage (dct:provenance), edition, overviews, resolution, and the
 * metadata about the metadata from the dcat:CatalogRecord (foaf:primaryTopic / foaf:isPrimaryTopicOf).
 */
import type { ConformityResult, GraphicOverview, ResourceDate, ResourceIdentifier, SpatialResolution } from '../types.ts';
import { normaliseDate } from '../iso19139/read-values.ts';
import { ADMS, DCAT, DCT, FOAF, GEODCAT, OWL, SCHEMA, SKOS } from './vocab.ts';
import { labelOf, literals, pushUnique, text, textIn, warn, type ReadContext, type Text } from './read-context.ts';
import { languageFromValue } from './languages.ts';
import type { Term } from './rdf.ts';

/** INSPIRE resource type IRIs (dct:type, geodcat:resourceType) -> MD_ScopeCode. */
const RESOURCE_TYPE = /^https?:\/\/inspire\.ec\.europa\.eu\/metadata-codelist\/ResourceType\/(\w+)$/;

export function hierarchyLevel(ctx: ReadContext, byClass: string): string {
  const typed = [...ctx.graph.objects(ctx.root, DCT('type')), ...ctx.graph.objects(ctx.root, GEODCAT('resourceType'))]
    .map((t) => RESOURCE_TYPE.exec(t.value)?.[1])
    .find(Boolean);
  return typed ?? byClass;
}

const DOI = /^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:)?(10\.\d{4,9}\/\S+)$/i;

/** dct:identifier (DOIs recognised) and adms:identifier (skos:notation + scheme). */
export function resourceIdentifiers(ctx: ReadContext): ResourceIdentifier[] {
  const out: ResourceIdentifier[] = [];
  for (const id of literalsOrIris(ctx, ctx.root, DCT('identifier'))) pushUnique(out, identifier(id));
  for (const node of ctx.graph.objects(ctx.root, ADMS('identifier'))) {
    const notation = ctx.graph.objects(node, SKOS('notation'))[0];
    const code = notation?.value.trim() ?? (node.termType === 'NamedNode' ? node.value : '');
    if (!code) continue;
    const id = identifier(code);
    const scheme = ctx.graph.objects(node, ADMS('schemeAgency'))[0] ?? ctx.graph.objects(node, DCT('creator'))[0];
    const datatype = (notation as { datatype?: { value: string } } | undefined)?.datatype?.value;
    const codeSpace = scheme?.value.trim() ?? (datatype && !datatype.endsWith('#string') ? datatype : undefined);
    if (codeSpace && !id.codeSpace) id.codeSpace = codeSpace;
    if (node.termType === 'NamedNode' && !id.href) id.href = node.value;
    pushUnique(out, id);
  }
  return out;
}

function identifier(code: string): ResourceIdentifier {
  const doi = DOI.exec(code);
  if (doi) return { code: doi[1], codeSpace: 'doi', href: `https://doi.org/${doi[1]}` };
  return /^https?:\/\//.test(code) ? { code, href: code } : { code };
}

function literalsOrIris(ctx: ReadContext, node: Term, predicate: string): string[] {
  return ctx.graph.objects(node, predicate).filter((t) => t.termType !== 'BlankNode').map((t) => t.value.trim()).filter(Boolean);
}

const DATE_PROPERTIES: ReadonlyArray<readonly [string, string]> = [
  [DCT('created'), 'creation'],
  [DCT('issued'), 'publication'],
  [DCT('modified'), 'revision'],
];

export function resourceDates(ctx: ReadContext): ResourceDate[] {
  const out: ResourceDate[] = [];
  for (const [p, type] of DATE_PROPERTIES) {
    for (const t of literals(ctx, ctx.root, [p]).filter((l) => l.value.trim())) {
      const date = normaliseDate(t.value);
      if (date) pushUnique(out, { date, type });
      else warn(ctx, ctx.root, `unparseable date "${t.value.trim()}" dropped`, p);
    }
  }
  return out;
}

/** dct:language values (EU authority IRIs, codes, nodes with an IRI) -> ISO 639-2/B codes. */
export function languages(ctx: ReadContext, node: Term): string[] {
  const out: string[] = [];
  for (const t of ctx.graph.objects(node, DCT('language'))) {
    const code = languageFromValue(t.termType === 'BlankNode' ? (labelOf(ctx, t) ?? '') : t.value);
    if (code) pushUnique(out, code);
    else warn(ctx, node, `language "${t.value}" not recognised`, DCT('language'));
  }
  return out;
}

const CRS = /^(?:https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/|https?:\/\/epsg\.io\/|urn:ogc:def:crs:EPSG::|EPSG:)(\d+)$/i;

/** A CRS named in a label: "RGF93 / Lambert-93 (EPSG:2154)". */
const EPSG_IN_LABEL = /\bEPSG::?(\d{4,5})\b/;

export interface ConformsTo {
  referenceSystems: ResourceIdentifier[];
  conformity: ConformityResult[];
}

/**
 * dct:conformsTo: a CRS IRI is a reference system (GeoDCAT-AP §III.8); anything else a specification the resource
 * conforms to (GeoDCAT-AP maps only "conformant" results to dct:conformsTo, so pass = true).
 */
export function conformsTo(ctx: ReadContext): ConformsTo {
  const out: ConformsTo = { referenceSystems: [], conformity: [] };
  for (const t of ctx.graph.objects(ctx.root, DCT('conformsTo'))) {
    const title = t.termType === 'Literal' ? t.value.trim() : (labelOf(ctx, t) ?? (t.termType === 'NamedNode' ? t.value : ''));
    const crs = CRS.exec(t.value.trim()) ?? EPSG_IN_LABEL.exec(title);
    if (crs) {
      const ref: ResourceIdentifier = { code: `EPSG:${crs[1]}`, codeSpace: 'EPSG' };
      if (t.termType === 'NamedNode') ref.href = t.value.trim();
      pushUnique(out.referenceSystems, ref);
      continue;
    }
    if (!title) continue;
    const spec: ConformityResult['specification'] = { title };
    if (t.termType === 'NamedNode') spec.href = t.value;
    const issued = t.termType === 'Literal' ? undefined : normaliseDate(text(ctx, t, [DCT('issued')]));
    if (issued) Object.assign(spec, { date: issued, dateType: 'publication' });
    pushUnique(out.conformity, { specification: spec, pass: true });
  }
  return out;
}

/** dct:provenance: a ProvenanceStatement (rdfs:label, dct:description) or a literal. */
export function lineage(ctx: ReadContext): Text {
  for (const p of ctx.graph.objects(ctx.root, DCT('provenance'))) {
    if (p.termType === 'Literal') return { main: p.value.trim() };
    const t = textIn(ctx, p, ['http://www.w3.org/2000/01/rdf-schema#label', DCT('description')]);
    if (t.main) return t;
  }
  return {};
}

export function edition(ctx: ReadContext): string | undefined {
  return text(ctx, ctx.root, [OWL('versionInfo'), ADMS('version'), DCAT('version')]);
}

export function overviews(ctx: ReadContext): GraphicOverview[] {
  const out: GraphicOverview[] = [];
  for (const p of [FOAF('thumbnail'), FOAF('depiction'), SCHEMA('image')]) {
    for (const t of ctx.graph.objects(ctx.root, p)) if (t.termType !== 'BlankNode' && t.value.trim()) pushUnique(out, { url: t.value.trim() });
  }
  return out;
}

export function resolutions(ctx: ReadContext): SpatialResolution[] {
  const out: SpatialResolution[] = [];
  for (const t of literals(ctx, ctx.root, [DCAT('spatialResolutionInMeters')])) {
    const n = Number(t.value);
    if (Number.isFinite(n) && n > 0) pushUnique(out, { distance: n, uom: 'm' });
    else warn(ctx, ctx.root, `spatial resolution "${t.value}" is not a positive number`, DCAT('spatialResolutionInMeters'));
  }
  return out;
}

/** The dcat:CatalogRecord describing the record resource, if the document has one. */
export function catalogRecord(ctx: ReadContext): Term | undefined {
  return ctx.graph.objects(ctx.root, FOAF('isPrimaryTopicOf'))[0] ?? ctx.graph.subjects(FOAF('primaryTopic'), ctx.root)[0];
}

export function metadataDate(ctx: ReadContext, record: Term | undefined): string | undefined {
  if (!record) return undefined;
  const raw = literals(ctx, record, [DCT('modified')])[0] ?? literals(ctx, record, [DCT('issued')])[0];
  const date = raw && normaliseDate(raw.value);
  if (raw && !date) warn(ctx, record, `unparseable date "${raw.value}" dropped`, DCT('modified'));
  return date;
}

/** dct:accrualPeriodicity: an EU frequency IRI or a literal, as a label. */
export function frequency(ctx: ReadContext): { text: string; href?: string } | undefined {
  const t = ctx.graph.objects(ctx.root, DCT('accrualPeriodicity'))[0];
  if (!t) return undefined;
  if (t.termType === 'Literal') return t.value.trim() ? { text: t.value.trim() } : undefined;
  const label = labelOf(ctx, t);
  if (t.termType !== 'NamedNode') return label ? { text: label } : undefined;
  return { text: label ?? t.value.replace(/[/#]+$/, '').split(/[/#]/).pop()!, href: t.value };
}
