/** ISO 19139 writers for resource constraints (MD_LegalConstraints, MD_SecurityConstraints, MD_Constraints). */
import type { Constraint, Licence, MdRecord } from '../types.ts';
import { codeList, has, text, type Node, type WriteContext } from './write-xml.ts';

const ELEMENT: Record<Constraint['kind'], string> = {
  legal: 'gmd:MD_LegalConstraints',
  security: 'gmd:MD_SecurityConstraints',
  basic: 'gmd:MD_Constraints',
};

/** One gmd:resourceConstraints per constraint, plus the licence when no constraint carries its URL. */
export function resourceConstraints(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  for (const c of withLicence(rec.constraints, rec.licence)) {
    constraint(ctx, parent.ele('gmd:resourceConstraints').ele(ELEMENT[c.kind] ?? ELEMENT.basic), c);
  }
}

/** The fields of one constraint block, in the XSD order of its type. */
function constraint(ctx: WriteContext, el: Node, c: Constraint): void {
  for (const u of c.useLimitations) text(ctx, el, 'gmd:useLimitation', u);
  if (c.kind === 'security') {
    codeList(el, 'gmd:classification', 'gmd:MD_ClassificationCode', c.classification);
    return;
  }
  if (c.kind !== 'legal') return;
  for (const code of c.accessConstraints) codeList(el, 'gmd:accessConstraints', 'gmd:MD_RestrictionCode', code);
  for (const code of c.useConstraints) codeList(el, 'gmd:useConstraints', 'gmd:MD_RestrictionCode', code);
  for (const o of c.otherConstraints) text(ctx, el, 'gmd:otherConstraints', o);
}

/**
 * The constraints to write. A licence recognised from a label alone (no URL in the document) would be lost
 * to machines reading the output; INSPIRE (TG Metadata 2.0, conditions for access and use) wants it as an
 * otherConstraints gmx:Anchor, so one legal constraint carrying it is added.
 */
export function withLicence(constraints: Constraint[], licence: Licence | undefined): Constraint[] {
  if (!licence || !has(licence.url)) return constraints;
  const target = normaliseUrl(licence.url);
  const carried = constraints.some((c) =>
    c.otherConstraints.some(
      (o) => (has(o.href) && normaliseUrl(o.href) === target) || normaliseUrl(o.text).includes(target),
    ),
  );
  if (carried) return constraints;
  const licenceConstraint: Constraint = {
    kind: 'legal',
    useLimitations: [],
    accessConstraints: [],
    useConstraints: ['otherRestrictions'],
    otherConstraints: [{ text: licence.label, href: licence.url }],
  };
  return [...constraints, licenceConstraint];
}

/** Compare URLs as licences are written in the wild: scheme, case and a trailing slash do not matter. */
function normaliseUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
}
