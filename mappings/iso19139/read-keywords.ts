/** gmd:descriptiveKeywords (and srv:keywords) -> KeywordGroup: one group per MD_Keywords block. */
import type { Citation, KeywordGroup, Thesaurus } from '../types.ts';
import { first, firstElement, select, type XmlElement } from '../xml/index.ts';
import { NS_GMD, NS_SRV } from './namespaces.ts';
import { anchored, assign, code, gmd, translations, type ReadContext } from './read-context.ts';
import { dateValue } from './read-values.ts';

/** Every keyword block of an identification element, in document order; blocks without keywords are skipped. */
export function readKeywords(ctx: ReadContext, identification: XmlElement): KeywordGroup[] {
  const out: KeywordGroup[] = [];
  for (const prop of select(identification, [[NS_GMD, NS_SRV], '*'])) {
    if (prop.local !== 'descriptiveKeywords' && !(prop.uri === NS_SRV && prop.local === 'keywords')) continue;
    const block = firstElement(prop);
    const group = block && readGroup(ctx, block);
    if (group) out.push(group);
  }
  return out;
}

function readGroup(ctx: ReadContext, block: XmlElement): KeywordGroup | undefined {
  const keywords: KeywordGroup['keywords'] = [];
  for (const prop of select(block, gmd('keyword'))) {
    const value = anchored(prop);
    if (!value) continue;
    const t = translations(ctx, prop);
    keywords.push(t ? { ...value, translations: t } : value);
  }
  if (keywords.length === 0) return undefined;
  const group: KeywordGroup = { keywords };
  assign(group, 'type', code(first(block, gmd('type'))));
  assign(group, 'thesaurus', readThesaurus(ctx, first(block, gmd('thesaurusName'), ['*', '*'])));
  return group;
}

/**
 * The thesaurus citation. Its href is the title's anchor, else the anchor of its identifier (GeoNetwork writes
 * the thesaurus register URL there).
 */
function readThesaurus(ctx: ReadContext, citation: XmlElement | undefined): Thesaurus | undefined {
  const c = citation && readCitation(ctx, citation);
  if (!c || !citation) return undefined;
  if (!c.href) assign(c, 'href', anchored(first(citation, gmd('identifier'), ['*', '*'], gmd('code')))?.href);
  return c;
}

/** CI_Citation -> title (with its anchor), first date and its type. Undefined without a title. */
export function readCitation(ctx: ReadContext, citation: XmlElement): Citation | undefined {
  const title = anchored(first(citation, gmd('title')));
  if (!title) return undefined;
  const out: Citation = { title: title.text };
  assign(out, 'href', title.href);
  const date = first(citation, gmd('date'), gmd('CI_Date'));
  assign(out, 'date', dateValue(ctx, first(date, gmd('date'))));
  if (out.date) assign(out, 'dateType', code(first(date, gmd('dateType'))));
  return out;
}
