/** ISO 19139 writers for EX_Extent (bounding boxes, geographic descriptions, GML 3.2 time periods). */
import type { MdRecord, TemporalExtent } from '../types.ts';
import { toXsdDate } from './write-date.ts';
import { toAnyUri } from './write-uri.ts';
import { decimal, escapeForBuilder, has, text, uniqueId, type Node, type WriteContext } from './write-xml.ts';

/** gml:TimeIndeterminateValueType, an enumeration: any other value would fail validation. */
const INDETERMINATE = new Set(['after', 'before', 'now', 'unknown']);

/** Whether the record has anything to put in an EX_Extent. */
export function hasExtent(rec: MdRecord): boolean {
  return rec.bboxes.length + rec.geographicDescriptions.length + rec.temporalExtents.length > 0;
}

/**
 * One EX_Extent holding every bounding box, geographic description and time period of the record (`name` is
 * gmd:extent for datasets, srv:extent for services). Readers collect geographic elements across extents,
 * so one block loses nothing.
 */
export function extent(ctx: WriteContext, parent: Node, name: string, rec: MdRecord): void {
  if (!hasExtent(rec)) return;
  const ex = parent.ele(name).ele('gmd:EX_Extent');
  for (const b of rec.bboxes) {
    const bbox = ex.ele('gmd:geographicElement').ele('gmd:EX_GeographicBoundingBox');
    decimal(bbox, 'gmd:westBoundLongitude', b.west);
    decimal(bbox, 'gmd:eastBoundLongitude', b.east);
    decimal(bbox, 'gmd:southBoundLatitude', b.south);
    decimal(bbox, 'gmd:northBoundLatitude', b.north);
  }
  for (const code of rec.geographicDescriptions) {
    const desc = ex.ele('gmd:geographicElement').ele('gmd:EX_GeographicDescription');
    const id = desc.ele('gmd:geographicIdentifier').ele('gmd:MD_Identifier');
    text(ctx, id, 'gmd:code', code, { nilReason: 'missing' });
  }
  for (const t of rec.temporalExtents) temporalElement(ctx, ex, t);
}

/** EX_TemporalExtent with a gml:TimePeriod (GML 3.2 requires its gml:id). */
function temporalElement(ctx: WriteContext, ex: Node, t: TemporalExtent): void {
  const period = ex
    .ele('gmd:temporalElement')
    .ele('gmd:EX_TemporalExtent')
    .ele('gmd:extent')
    .ele('gml:TimePeriod')
    .att('gml:id', uniqueId(ctx, `period${++ctx.periods}`));
  timePosition(period, 'gml:beginPosition', t.start, undefined);
  timePosition(period, 'gml:endPosition', t.end, t.endIndeterminate);
}

/**
 * A gml:TimePositionType element. No value (an open or unknown bound) is written as an empty position with
 * indeterminatePosition, "unknown" unless the record says otherwise (e.g. "now" for an ongoing series).
 */
function timePosition(
  period: Node,
  name: string,
  value: string | null,
  indeterminate: string | undefined,
): void {
  const el = period.ele(name);
  const xsd = toXsdDate(value);
  const flag = has(indeterminate) && INDETERMINATE.has(indeterminate.trim()) ? indeterminate.trim() : undefined;
  if (flag) el.att('indeterminatePosition', flag);
  else if (!xsd) el.att('indeterminatePosition', 'unknown');
  if (xsd) el.txt(xsd.lexical);
}

/** gmd:spatialResolution: MD_Resolution is a choice, so a scale and a distance make two elements. */
export function spatialResolutions(parent: Node, rec: MdRecord): void {
  for (const r of rec.spatialResolutions) {
    if (r.scaleDenominator !== undefined && Number.isFinite(r.scaleDenominator) && r.scaleDenominator > 0) {
      parent
        .ele('gmd:spatialResolution')
        .ele('gmd:MD_Resolution')
        .ele('gmd:equivalentScale')
        .ele('gmd:MD_RepresentativeFraction')
        .ele('gmd:denominator')
        .ele('gco:Integer')
        .txt(String(Math.round(r.scaleDenominator)));
    }
    if (r.distance !== undefined && Number.isFinite(r.distance)) distance(parent, r.distance, r.uom);
  }
}

/** gco:Distance requires a unit (gml:MeasureType/@uom); metres is what INSPIRE resolution distances use. */
function distance(parent: Node, value: number, uom: string | undefined): void {
  const dist = parent.ele('gmd:spatialResolution').ele('gmd:MD_Resolution').ele('gmd:distance');
  dist
    .ele('gco:Distance')
    .att('uom', escapeForBuilder(has(uom) ? uomLexical(uom.trim()) : 'm', true))
    .txt(String(value));
}

/**
 * gml:UomIdentifier is a symbol without colon or white space, or a URI with a scheme: "meters (m)" is
 * neither, so its separators become underscores rather than losing the unit.
 */
export function uomLexical(uom: string): string {
  if (/^[^: \n\r\t]+$/.test(uom)) return uom;
  // gml:UomURI restricts xs:anyURI: it must also be a URI libxml2 accepts.
  if (/^([a-zA-Z][a-zA-Z0-9+.-]*:|\.\.\/|\.\/|#)[^\n\r]*$/.test(uom)) return toAnyUri(uom);
  return uom.replace(/[:\s]+/g, '_');
}
