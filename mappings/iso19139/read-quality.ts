/** gmd:dataQualityInfo -> lineage statement (with translations) and INSPIRE conformity results. */
import type { ConformityResult, MdRecord } from '../types.ts';
import { first, select, type XmlElement } from '../xml/index.ts';
import { assign, gmd, text, textAt, translations, warn, type ReadContext } from './read-context.ts';
import { readCitation } from './read-keywords.ts';
import { booleanValue } from './read-values.ts';

export type QualityFields = Pick<MdRecord, 'lineage' | 'conformity'> & { lineageTranslations?: MdRecord['translations']['lineage'] };

export function readQuality(ctx: ReadContext, root: XmlElement): QualityFields {
  const out: QualityFields = { conformity: [] };
  for (const dq of select(root, gmd('dataQualityInfo'), ['*', '*'])) {
    const statement = first(dq, gmd('lineage'), gmd('LI_Lineage'), gmd('statement'));
    if (out.lineage === undefined && text(statement)) {
      out.lineage = text(statement);
      assign(out, 'lineageTranslations', translations(ctx, statement));
    }
    for (const result of select(dq, gmd('report'), ['*', '*'], gmd('result'), gmd('DQ_ConformanceResult'))) {
      const conformity = readConformance(ctx, result);
      if (conformity) out.conformity.push(conformity);
    }
  }
  return out;
}

/** DQ_ConformanceResult; pass is null when gco:Boolean is absent or nil (not evaluated). */
function readConformance(ctx: ReadContext, result: XmlElement): ConformityResult | undefined {
  const citation = first(result, gmd('specification'), ['*', '*']);
  const specification = citation && readCitation(ctx, citation);
  if (!specification) {
    warn(ctx, result, 'conformance result without specification title dropped');
    return undefined;
  }
  const out: ConformityResult = { specification, pass: booleanValue(first(result, gmd('pass'))) };
  assign(out, 'explanation', textAt(result, gmd('explanation')));
  return out;
}
