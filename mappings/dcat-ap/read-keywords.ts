/**
 * dcat:keyword -> one free keyword group; dcat:theme -> one group per concept scheme (INSPIRE themes, GEMET,
 * EU data themes, AGROVOC, or the skos:inScheme found in the document), anchors = the concept IRIs, the scheme
 * as thesaurus; ISO topic category IRIs (GeoDCAT-AP dct:subject) -> topic categories.
 */
import type { KeywordGroup, Thesaurus } from '../types.ts';
import { DCAT, DCT, SKOS } from './vocab.ts';
import { labelOf, langOf, text, type ReadContext } from './read-context.ts';
import type { Term } from './rdf.ts';

/** Concept IRI prefix -> the thesaurus its concepts belong to, when the document does not say. */
const SCHEMES: ReadonlyArray<readonly [RegExp, Thesaurus]> = [
  [/^https?:\/\/inspire\.ec\.europa\.eu\/theme\//, { title: 'GEMET - INSPIRE themes, version 1.0', href: 'http://inspire.ec.europa.eu/theme', date: '2008-06-01', dateType: 'publication' }],
  [/^https?:\/\/www\.eionet\.europa\.eu\/gemet\/(\w+\/)?concept\//, { title: 'GEMET', href: 'http://www.eionet.europa.eu/gemet' }],
  [/^https?:\/\/publications\.europa\.eu\/resource\/authority\/data-theme\//, { title: 'Data theme (EU Vocabularies)', href: 'http://publications.europa.eu/resource/authority/data-theme' }],
  [/^https?:\/\/aims\.fao\.org\/aos\/agrovoc\//, { title: 'AGROVOC', href: 'http://aims.fao.org/aos/agrovoc' }],
  [/^https?:\/\/inspire\.ec\.europa\.eu\/metadata-codelist\/TopicCategory\//, { title: 'ISO 19115 topic categories', href: 'http://inspire.ec.europa.eu/metadata-codelist/TopicCategory' }],
];

const TOPIC_CATEGORY = /^https?:\/\/inspire\.ec\.europa\.eu\/metadata-codelist\/TopicCategory\/(\w+)$/;

export interface Keywords {
  keywords: KeywordGroup[];
  topicCategories: string[];
}

export function readKeywords(ctx: ReadContext): Keywords {
  const keywords: KeywordGroup[] = [];
  const free = freeKeywords(ctx);
  if (free.length > 0) keywords.push({ keywords: free.map((k) => ({ text: k })) });
  keywords.push(...themeGroups(ctx));
  const topicCategories = [...ctx.graph.objects(ctx.root, DCT('subject')), ...ctx.graph.objects(ctx.root, DCAT('theme'))]
    .map((t) => TOPIC_CATEGORY.exec(t.value)?.[1])
    .filter((c): c is string => !!c);
  return { keywords, topicCategories: [...new Set(topicCategories)] };
}

/** dcat:keyword in the record's language (or untagged); other languages are translations of unknown pairs. */
function freeKeywords(ctx: ReadContext): string[] {
  const all = ctx.graph.objects(ctx.root, DCAT('keyword')).filter((t) => t.value.trim());
  const langs = new Set(all.map(langOf));
  const keep = langs.has(ctx.lang) ? ctx.lang : langs.has('') ? '' : [...langs].sort()[0];
  return [...new Set(all.filter((t) => langOf(t) === keep || langOf(t) === '').map((t) => t.value.trim()))];
}

function themeGroups(ctx: ReadContext): KeywordGroup[] {
  const groups = new Map<string, KeywordGroup>();
  for (const theme of ctx.graph.objects(ctx.root, DCAT('theme'))) {
    if (TOPIC_CATEGORY.test(theme.value)) continue;
    const keyword = theme.termType === 'Literal' ? { text: theme.value.trim() } : concept(ctx, theme);
    if (!keyword.text) continue;
    const thesaurus = theme.termType === 'Literal' ? undefined : schemeOf(ctx, theme);
    const key = thesaurus?.href ?? thesaurus?.title ?? '';
    let group = groups.get(key);
    if (!group) {
      group = { keywords: [], type: 'theme', ...(thesaurus ? { thesaurus } : {}) };
      groups.set(key, group);
    }
    if (!group.keywords.some((k) => k.text === keyword.text && k.href === keyword.href)) group.keywords.push(keyword);
  }
  return [...groups.values()];
}

/** A concept: its label in the record's language (else the last segment of its IRI), the IRI as anchor. */
function concept(ctx: ReadContext, theme: Term): { text: string; href?: string } {
  const label = labelOf(ctx, theme);
  if (theme.termType !== 'NamedNode') return { text: label ?? '' };
  return { text: label ?? decodeURIComponent(theme.value.replace(/[/#]+$/, '').split(/[/#]/).pop() ?? ''), href: theme.value };
}

function schemeOf(ctx: ReadContext, theme: Term): Thesaurus | undefined {
  const scheme = ctx.graph.objects(theme, SKOS('inScheme'))[0];
  if (scheme) {
    const title = text(ctx, scheme, [DCT('title'), SKOS('prefLabel'), 'http://www.w3.org/2000/01/rdf-schema#label']);
    const href = scheme.termType === 'NamedNode' ? scheme.value : undefined;
    const known = href ? SCHEMES.find(([re]) => re.test(`${href}/`))?.[1] : undefined;
    if (title || href) return { ...known, title: title ?? known?.title ?? href!, ...(href ? { href } : {}) };
  }
  return theme.termType === 'NamedNode' ? SCHEMES.find(([re]) => re.test(theme.value))?.[1] : undefined;
}
