/**
 * Distributions, landing pages and service endpoints -> online resources and distribution formats;
 * dct:license (of the distributions and of the resource), dct:accessRights and dct:rights -> constraints and
 * the recognised licence. DCAT-AP puts the licence on distributions (data.gouv.fr, CKAN), GeoDCAT-AP may put it
 * on the dataset: both are read.
 */
import { recogniseLicence } from '../iso19139/licences.ts';
import type { AnchoredText, Constraint, DistributionFormat, Licence, OnlineResource } from '../types.ts';
import { DCAT, DCT, FOAF, GEODCAT, RDF } from './vocab.ts';
import { assign, labelOf, pushUnique, text, type ReadContext } from './read-context.ts';
import type { Term } from './rdf.ts';

export interface DistributionInfo {
  onlineResources: OnlineResource[];
  distributionFormats: DistributionFormat[];
}

/** Online resources and formats of the record resource. */
export function readDistributions(ctx: ReadContext): DistributionInfo {
  const out: DistributionInfo = { onlineResources: [], distributionFormats: [] };
  for (const d of ctx.graph.objects(ctx.root, DCAT('distribution'))) readDistribution(ctx, d, out);
  for (const p of [DCAT('landingPage'), FOAF('page')]) {
    for (const page of ctx.graph.objects(ctx.root, p)) addResource(out, { url: page.value.trim(), function: 'information' });
  }
  readEndpoints(ctx, ctx.root, out);
  return out;
}

function readDistribution(ctx: ReadContext, d: Term, out: DistributionInfo): void {
  const g = ctx.graph;
  const base: Omit<OnlineResource, 'url'> = {};
  assign(base, 'name', text(ctx, d, [DCT('title')]));
  assign(base, 'description', text(ctx, d, [DCT('description')]));
  const formats = formatsOf(ctx, d);
  for (const f of formats) pushUnique(out.distributionFormats, f);
  const downloads = g.objects(d, DCAT('downloadURL')).map((t) => t.value.trim());
  for (const url of downloads) addResource(out, { url, ...base, function: 'download' });
  // An accessURL alone is the file itself unless the distribution says it is a web page or a service.
  const isPage = formats.some((f) => /^(text\/html|html|web ?page)$/i.test(f.name)) || g.objects(d, DCAT('accessService')).length > 0;
  for (const a of g.objects(d, DCAT('accessURL'))) {
    const url = a.value.trim();
    if (downloads.includes(url)) continue;
    addResource(out, { url, ...base, function: downloads.length === 0 && !isPage ? 'download' : 'information' });
  }
  for (const s of g.objects(d, DCAT('accessService'))) readEndpoints(ctx, s, out);
}

/** dcat:endpointURL / endpointDescription of a data service, with the protocol GeoDCAT-AP names. */
function readEndpoints(ctx: ReadContext, service: Term, out: DistributionInfo): void {
  const protocol = protocolOf(ctx, service);
  const name = text(ctx, service, [DCT('title')]);
  for (const p of [DCAT('endpointURL'), DCAT('endpointDescription')]) {
    for (const e of ctx.graph.objects(service, p)) {
      const r: OnlineResource = { url: e.value.trim() };
      assign(r, 'protocol', protocol);
      assign(r, 'name', name);
      addResource(out, r);
    }
  }
}

/** OGC standard IRIs (geodcat:serviceProtocol, dct:conformsTo) -> the protocol names ISO records use. */
const PROTOCOLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/standards\/wmts\b|\bwmts\b/i, 'OGC:WMTS'],
  [/standards\/wms\b/i, 'OGC:WMS'],
  [/standards\/wfs\b/i, 'OGC:WFS'],
  [/standards\/wcs\b/i, 'OGC:WCS'],
  [/standards\/cat\b|standards\/csw\b/i, 'OGC:CSW'],
  [/standards\/sos\b/i, 'OGC:SOS'],
];

function protocolOf(ctx: ReadContext, service: Term): string | undefined {
  const iris = [...ctx.graph.objects(service, GEODCAT('serviceProtocol')), ...ctx.graph.objects(service, DCT('conformsTo'))];
  for (const iri of iris) for (const [re, name] of PROTOCOLS) if (re.test(iri.value)) return name;
  return undefined;
}

function addResource(out: DistributionInfo, r: OnlineResource): void {
  if (r.url) pushUnique(out.onlineResources, r);
}

/** dct:format and dcat:mediaType: EU file-type IRIs, IANA media-type IRIs, literals, or labelled nodes. */
function formatsOf(ctx: ReadContext, d: Term): DistributionFormat[] {
  const names = [DCT('format'), DCAT('mediaType')].flatMap((p) => ctx.graph.objects(d, p)).map((t) => formatName(ctx, t));
  return [...new Set(names.filter((n): n is string => !!n))].map((name) => ({ name }));
}

function formatName(ctx: ReadContext, t: Term): string | undefined {
  if (t.termType === 'Literal') return t.value.trim() || undefined;
  const label = labelOf(ctx, t) ?? ctx.graph.objects(t, RDF('value'))[0]?.value.trim();
  if (label) return label;
  if (t.termType !== 'NamedNode') return undefined;
  const media = /media-types\/(.+)$/.exec(t.value);
  return media ? media[1] : t.value.replace(/[/#]+$/, '').split(/[/#]/).pop();
}

export interface Rights {
  constraints: Constraint[];
  licence?: Licence;
}

/** Licences, access rights and rights statements of the resource and its distributions. */
export function readRights(ctx: ReadContext): Rights {
  const subjects = [ctx.root, ...ctx.graph.objects(ctx.root, DCAT('distribution'))];
  const licences = anchored(ctx, subjects, DCT('license'));
  const access = anchored(ctx, [ctx.root], DCT('accessRights'));
  const rights = anchored(ctx, subjects, DCT('rights'));
  const constraints: Constraint[] = [];
  if (licences.length > 0 || rights.length > 0) {
    constraints.push(legal({ useConstraints: ['otherRestrictions'], otherConstraints: licences, useLimitations: rights }));
  }
  if (access.length > 0) constraints.push(legal({ accessConstraints: ['otherRestrictions'], otherConstraints: access }));
  const licence = licences.map((l) => recogniseLicence(l.href) ?? recogniseLicence(l.text)).find(Boolean);
  return licence ? { constraints, licence } : { constraints };
}

function legal(parts: Partial<Constraint>): Constraint {
  return { kind: 'legal', useLimitations: [], accessConstraints: [], useConstraints: [], otherConstraints: [], ...parts };
}

/** Values of a property as anchored texts: label (or the literal) as text, the IRI as href. */
function anchored(ctx: ReadContext, subjects: Term[], predicate: string): AnchoredText[] {
  const out: AnchoredText[] = [];
  for (const s of subjects) {
    for (const v of ctx.graph.objects(s, predicate)) {
      const label = v.termType === 'Literal' ? v.value.trim() : labelOf(ctx, v);
      const href = v.termType === 'NamedNode' ? v.value : undefined;
      const item: AnchoredText = { text: label ?? href ?? '' };
      assign(item, 'href', href);
      if (item.text) pushUnique(out, item);
    }
  }
  return out;
}
