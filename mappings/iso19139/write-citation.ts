/** ISO 19139 writers for CI_Citation, CI_Date and identifiers (MD_Identifier / RS_Identifier). */
import type { Citation, MdRecord, ResourceDate, ResourceIdentifier } from '../types.ts';
import { gcoDate } from './write-date.ts';
import { codeList, has, nil, text, type Node, type WriteContext } from './write-xml.ts';

/** A CI_Date property: both the date and its type are mandatory. */
export function ciDate(parent: Node, d: { date?: string; type?: string }): void {
  const ci = parent.ele('gmd:date').ele('gmd:CI_Date');
  gcoDate(ci, 'gmd:date', d.date);
  codeList(ci, 'gmd:dateType', 'gmd:CI_DateTypeCode', d.type);
}

/** gmd:date elements of a citation: at least one, nil when the record has none (CI_Citation requires it). */
function ciDates(parent: Node, dates: { date?: string; type?: string }[]): void {
  if (dates.length === 0) nil(parent, 'gmd:date');
  for (const d of dates) ciDate(parent, d);
}

/**
 * A small CI_Citation (thesaurus, conformity specification): title, as gmx:Anchor when it has a URI, and
 * one date when known.
 */
export function simpleCitation(ctx: WriteContext, parent: Node, name: string, c: Citation): void {
  const cit = parent.ele(name).ele('gmd:CI_Citation');
  text(ctx, cit, 'gmd:title', { text: c.title, href: c.href }, { nilReason: 'missing' });
  ciDates(cit, has(c.date) || has(c.dateType) ? [{ date: c.date, type: c.dateType }] : []);
}

/** The resource citation of identificationInfo, in CI_Citation's XSD order. */
export function resourceCitation(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  const cit = parent.ele('gmd:citation').ele('gmd:CI_Citation');
  text(ctx, cit, 'gmd:title', rec.title, { translations: rec.translations.title, nilReason: 'missing' });
  for (const alt of rec.alternateTitles) text(ctx, cit, 'gmd:alternateTitle', alt);
  ciDates(cit, rec.dates.map((d: ResourceDate) => ({ date: d.date, type: d.type })));
  text(ctx, cit, 'gmd:edition', rec.edition);
  for (const id of rec.resourceIdentifiers) identifier(ctx, cit, 'gmd:identifier', id);
}

/**
 * An identifier property: RS_Identifier when there is a code space (MD_Identifier has none), MD_Identifier
 * otherwise; the code is a gmx:Anchor when it came with a URI.
 */
export function identifier(ctx: WriteContext, parent: Node, name: string, id: ResourceIdentifier): void {
  const el = parent.ele(name).ele(has(id.codeSpace) ? 'gmd:RS_Identifier' : 'gmd:MD_Identifier');
  text(ctx, el, 'gmd:code', { text: id.code, href: id.href }, { nilReason: 'missing' });
  text(ctx, el, 'gmd:codeSpace', id.codeSpace);
}
