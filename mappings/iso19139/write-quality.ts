/** ISO 19139 writer for dataQualityInfo: INSPIRE conformity results and lineage. */
import type { ConformityResult, MdRecord } from '../types.ts';
import { simpleCitation } from './write-citation.ts';
import { boolean, codeList, has, text, type Node, type WriteContext } from './write-xml.ts';

/**
 * One DQ_DataQuality scoped to the hierarchy level: a DQ_DomainConsistency report per conformity result, then
 * the lineage statement. Not written when the record has neither.
 */
export function dataQualityInfo(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  const lineageTranslations = Object.keys(rec.translations.lineage ?? {}).length > 0;
  if (rec.conformity.length === 0 && !has(rec.lineage) && !lineageTranslations) return;
  const dq = parent.ele('gmd:dataQualityInfo').ele('gmd:DQ_DataQuality');
  codeList(dq.ele('gmd:scope').ele('gmd:DQ_Scope'), 'gmd:level', 'gmd:MD_ScopeCode', rec.hierarchyLevel);
  for (const c of rec.conformity) conformityReport(ctx, dq, c);
  if (has(rec.lineage) || lineageTranslations) {
    const lineage = dq.ele('gmd:lineage').ele('gmd:LI_Lineage');
    text(ctx, lineage, 'gmd:statement', rec.lineage, { translations: rec.translations.lineage });
  }
}

/**
 * DQ_DomainConsistency/DQ_ConformanceResult: specification, explanation and pass are all mandatory; an
 * unevaluated result is pass nil "unknown" (INSPIRE TG Metadata 2.0, "not evaluated").
 */
function conformityReport(ctx: WriteContext, dq: Node, c: ConformityResult): void {
  const result = dq
    .ele('gmd:report')
    .ele('gmd:DQ_DomainConsistency')
    .ele('gmd:result')
    .ele('gmd:DQ_ConformanceResult');
  simpleCitation(ctx, result, 'gmd:specification', c.specification);
  text(ctx, result, 'gmd:explanation', c.explanation, { nilReason: 'missing' });
  boolean(result, 'gmd:pass', c.pass);
}
