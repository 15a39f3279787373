/**
 * Quality and conformance (GeoDCAT-AP §III.8–9):
 * - reference systems -> dct:conformsTo and geodcat:referenceSystem the OGC CRS IRI
 *   (http://www.opengis.net/def/crs/EPSG/0/2154), typed as a spatial reference system standard;
 * - conformity: a "conformant" result -> dct:conformsTo the specification; every result (conformant, not
 *   conformant, not evaluated) -> prov:wasUsedBy a test activity whose plan derives from the specification and
 *   which generated an entity typed with the INSPIRE degree of conformity;
 * - lineage -> dct:provenance, a dct:ProvenanceStatement;
 * - resolution -> dcat:spatialResolutionInMeters (distances in m or km), and an equivalent scale as a
 *   dqv:QualityMeasurement of geodcat:spatialResolutionAsScale (value 1/denominator, GeoDCAT-AP 2).
 */
import type { ConformityResult, ResourceIdentifier } from '../types.ts';
import { DCAT, DCT, GEODCAT, PROV, RDFS } from './vocab.ts';
import { texts, type DcatWriter } from './write-context.ts';
import { dateLiteral, decimal, iri, namedNode, text, type Subject } from './write-terms.ts';

const DQV = (local: string) => `http://www.w3.org/ns/dqv#${local}`;
const EPSG = 'http://www.opengis.net/def/crs/EPSG/0/';
const SRS_TYPE = 'http://inspire.ec.europa.eu/glossary/SpatialReferenceSystem';
const DEGREE = 'http://inspire.ec.europa.eu/metadata-codelist/DegreeOfConformity/';

export function writeQuality(w: DcatWriter): void {
  for (const rs of w.rec.referenceSystems) writeCrs(w, rs);
  for (const c of w.rec.conformity) writeConformity(w, c);
  if (w.rec.lineage?.trim()) {
    const statement = w.q.node(DCT('ProvenanceStatement'));
    w.q.add(w.subject, DCT('provenance'), statement);
    texts(w, statement, RDFS('label'), w.rec.lineage, w.rec.translations.lineage);
  }
  writeResolutions(w);
}

const EPSG_CODE = /(?:EPSG(?:\/0\/|::|:)|^)(\d{4,6})$/i;

/** The CRS IRI of a reference system: an EPSG code in any of its spellings, else its own http anchor. */
export function crsIri(rs: ResourceIdentifier): string | undefined {
  for (const v of [rs.href, rs.code]) {
    const code = v && (EPSG_CODE.exec(v.trim()) ?? /\bEPSG::?(\d{4,6})\b/i.exec(v))?.[1];
    if (code && (/epsg/i.test(v) || /epsg/i.test(rs.codeSpace ?? ''))) return EPSG + code;
  }
  return iri(rs.href, ['http', 'https'])?.value;
}

function writeCrs(w: DcatWriter, rs: ResourceIdentifier): void {
  const crs = iri(crsIri(rs), ['http', 'https']);
  if (!crs) return;
  w.q.add(w.subject, DCT('conformsTo'), crs);
  w.q.add(w.subject, GEODCAT('referenceSystem'), crs);
  w.q.type(crs, DCT('Standard'));
  w.q.add(crs, DCT('type'), namedNode(SRS_TYPE));
}

function writeConformity(w: DcatWriter, c: ConformityResult): void {
  const spec = specification(w, c);
  if (!spec) return;
  if (c.pass === true) w.q.add(w.subject, DCT('conformsTo'), spec);
  const activity = w.q.node(PROV('Activity'));
  w.q.add(w.subject, PROV('wasUsedBy'), activity);
  w.q.add(activity, PROV('used'), w.subject);
  const association = w.q.node(PROV('Association'));
  const plan = w.q.node(PROV('Plan'));
  w.q.add(activity, PROV('qualifiedAssociation'), association);
  w.q.add(association, PROV('hadPlan'), plan);
  w.q.add(plan, PROV('wasDerivedFrom'), spec);
  const result = w.q.node(PROV('Entity'));
  w.q.add(activity, PROV('generated'), result);
  const degree = c.pass === true ? 'conformant' : c.pass === false ? 'notConformant' : 'notEvaluated';
  w.q.add(result, DCT('type'), namedNode(DEGREE + degree));
  w.q.add(result, DCT('description'), text(c.explanation, w.lang));
}

/** The specification: its IRI, else a blank dct:Standard with its title and date. */
function specification(w: DcatWriter, c: ConformityResult): Subject | undefined {
  const known = iri(c.specification.href, ['http', 'https']);
  const node = known ?? (c.specification.title?.trim() ? w.q.node() : undefined);
  if (!node) return undefined;
  w.q.type(node, DCT('Standard'), PROV('Entity'));
  if (!known) {
    w.q.add(node, DCT('title'), text(c.specification.title, w.lang));
    w.q.add(node, c.specification.dateType === 'revision' ? DCT('modified') : DCT('issued'), dateLiteral(c.specification.date));
  }
  return node;
}

const METRES: Readonly<Record<string, number>> = { m: 1, metre: 1, meter: 1, metres: 1, meters: 1, km: 1000, cm: 0.01 };

function writeResolutions(w: DcatWriter): void {
  for (const r of w.rec.spatialResolutions) {
    const factor = METRES[(r.uom ?? '').trim().toLowerCase().replace(/^urn:ogc:def:uom:epsg::9001$/, 'm')];
    if (r.distance !== undefined && factor && r.distance > 0) {
      w.q.add(w.subject, DCAT('spatialResolutionInMeters'), decimal(r.distance * factor));
    }
    if (r.scaleDenominator !== undefined && r.scaleDenominator > 0) {
      const m = w.q.node(DQV('QualityMeasurement'));
      w.q.add(w.subject, DQV('hasQualityMeasurement'), m);
      w.q.add(m, DQV('isMeasurementOf'), namedNode(GEODCAT('spatialResolutionAsScale')));
      w.q.add(m, DQV('value'), decimal(1 / r.scaleDenominator));
    }
  }
}
