/** MD_Constraints / MD_LegalConstraints / MD_SecurityConstraints -> Constraint, and the licence they name. */
import type { AnchoredText, Constraint, Licence } from '../types.ts';
import { firstElement, select, type XmlElement } from '../xml/index.ts';
import { anchored, code, gmd, type ReadContext } from './read-context.ts';
import { recogniseLicence } from './licences.ts';

/** Constraint kind by the local name of the object in gmd:resourceConstraints (profiles subclass these). */
const KIND_BY_NAME: Readonly<Record<string, Constraint['kind']>> = {
  MD_Constraints: 'basic',
  MD_LegalConstraints: 'legal',
  MD_SecurityConstraints: 'security',
};

function kindOf(el: XmlElement): Constraint['kind'] {
  const known = KIND_BY_NAME[el.local];
  if (known) return known;
  // Profile subclasses: che:CHE_MD_LegalConstraints and the like.
  return /Legal/.test(el.local) ? 'legal' : /Security/.test(el.local) ? 'security' : 'basic';
}

/** Every resourceConstraints block of an identification element. */
export function readConstraints(_ctx: ReadContext, identification: XmlElement): Constraint[] {
  const out: Constraint[] = [];
  for (const prop of select(identification, gmd('resourceConstraints'))) {
    const el = firstElement(prop);
    if (el) out.push(readConstraint(el));
  }
  return out;
}

function readConstraint(el: XmlElement): Constraint {
  const out: Constraint = {
    kind: kindOf(el),
    useLimitations: anchoredList(select(el, gmd('useLimitation'))),
    accessConstraints: codes(select(el, gmd('accessConstraints'))),
    useConstraints: codes(select(el, gmd('useConstraints'))),
    otherConstraints: anchoredList(select(el, gmd('otherConstraints'))),
  };
  const classification = code(select(el, gmd('classification'))[0]);
  if (classification) out.classification = classification;
  return out;
}

function anchoredList(props: XmlElement[]): AnchoredText[] {
  return props.map(anchored).filter((a): a is AnchoredText => a !== undefined);
}

function codes(props: XmlElement[]): string[] {
  return props.map(code).filter((c): c is string => c !== undefined);
}

/** The first licence recognised in the constraints' texts and anchors, in document order. */
export function licenceOf(constraints: Constraint[]): Licence | undefined {
  for (const c of constraints) {
    for (const value of [...c.otherConstraints, ...c.useLimitations]) {
      const found = recogniseLicence(value.href) ?? recogniseLicence(value.text);
      if (found) return found;
    }
  }
  return undefined;
}
