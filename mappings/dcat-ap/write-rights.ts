/**
 * Constraints -> licence, rights and access rights (DCAT-AP 3 §Distribution, GeoDCAT-AP §III.10), computed once
 * per description and put on every distribution and data service:
 * - dct:license: the recognised licence's IRI; else an http anchor of the conditions for access and use (INSPIRE
 *   ConditionsApplyingToAccessAndUse, a licence URL); else a dct:LicenseDocument labelled with their text; else
 *   INSPIRE's conditionsUnknown, so that no distribution is ever without a licence;
 * - dct:rights: a dct:RightsStatement with the use limitations;
 * - dct:accessRights: the limitations on public access (INSPIRE LimitationsOnPublicAccess IRIs, or labelled
 *   statements).
 * Conditions for access and use are the otherConstraints of a constraint with useConstraints (or with no
 * accessConstraints), limitations on public access those of a constraint with accessConstraints (INSPIRE TG
 * metadata 2.0 §2.3).
 */
import type { AnchoredText, Constraint } from '../types.ts';
import { DCT, RDFS } from './vocab.ts';
import type { DcatWriter } from './write-context.ts';
import { iri, namedNode, text, type ObjectTerm } from './write-terms.ts';

export interface Rights {
  licence: ObjectTerm;
  rights?: ObjectTerm;
  accessRights: ObjectTerm[];
}

const CONDITIONS_UNKNOWN = 'http://inspire.ec.europa.eu/metadata-codelist/ConditionsApplyingToAccessAndUse/conditionsUnknown';

const isUse = (c: Constraint) => c.useConstraints.length > 0 || c.accessConstraints.length === 0;
const isAccess = (c: Constraint) => c.accessConstraints.length > 0;

export function writeRights(w: DcatWriter): Rights {
  const legal = w.rec.constraints.filter((c) => c.kind !== 'security');
  const conditions = legal.filter(isUse).flatMap((c) => c.otherConstraints);
  const limitations = legal.flatMap((c) => c.useLimitations);
  const access = legal.filter(isAccess).flatMap((c) => c.otherConstraints);
  const rights = statement(w, DCT('RightsStatement'), limitations);
  return { licence: licence(w, conditions), ...(rights ? { rights } : {}), accessRights: accessRights(w, access) };
}

function licence(w: DcatWriter, conditions: AnchoredText[]): ObjectTerm {
  const known = iri(w.rec.licence?.url, ['http', 'https']);
  const anchored = conditions.map((c) => iri(c.href, ['http', 'https'])).find(Boolean);
  const labelled = known || anchored ? undefined : statement(w, DCT('LicenseDocument'), conditions);
  if (labelled) return labelled;
  const node = known ?? anchored ?? namedNode(CONDITIONS_UNKNOWN);
  w.q.type(node, DCT('LicenseDocument'));
  return node;
}

/** A blank statement of `type` labelled with the texts (one label, lines joined: udata reads a single value). */
function statement(w: DcatWriter, type: string, items: AnchoredText[]): ObjectTerm | undefined {
  const label = text([...new Set(items.map((i) => i.text.trim()).filter(Boolean))].join('\n'), w.lang);
  if (!label) return undefined;
  const node = w.q.node(type);
  w.q.add(node, RDFS('label'), label);
  return node;
}

function accessRights(w: DcatWriter, items: AnchoredText[]): ObjectTerm[] {
  const out: ObjectTerm[] = [];
  const texts: AnchoredText[] = [];
  for (const item of items) {
    const node = iri(item.href, ['http', 'https']);
    if (!node) {
      texts.push(item);
      continue;
    }
    w.q.type(node, DCT('RightsStatement'));
    if (!out.some((o) => o.equals(node))) out.push(node);
  }
  const labelled = statement(w, DCT('RightsStatement'), texts);
  if (labelled) out.push(labelled);
  return out;
}
