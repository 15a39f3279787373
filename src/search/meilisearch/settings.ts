/**
 * The settings of a Meilisearch index of SearchDocs (issue 4 §1). Pure: init() and rebuild() apply the same
 * object, and a test pins it.
 *
 * Needs Meilisearch 1.12 or later (`localizedAttributes` came in 1.10, the index-wide `facetSearch` switch in
 * 1.12; docker-compose.yml runs 1.12).
 */
import type { Settings } from 'meilisearch';
import { BBOX_FIELDS, DATE_FIELD, TITLE_SORT_FIELD } from './document.ts';
import { FACET_FIELDS } from './filter.ts';

export interface SettingsOptions {
  /** Results a search can reach (pagination.maxTotalHits): deeper pages are refused, see index.ts. */
  maxTotalHits: number;
  /** Values counted per facet (faceting.maxValuesPerFacet): the cap of a query's facetLimit. */
  maxValuesPerFacet: number;
}

/** Searched fields, most important first: the `attribute` ranking rule follows this order. */
export const SEARCHABLE = ['title', 'altTitles', 'keywords', 'abstract', 'organisations'];

/**
 * French stop words, ignored in queries: articles, elided forms, prepositions, conjunctions and pronouns, plus
 * the few English ones of INSPIRE titles ("Map of the …"). Not "est" ("Grand Est") nor other words that name
 * places or directions. Written with and without accents because a query may come either way.
 */
export const STOP_WORDS = [
  'le', 'la', 'les', 'l', 'un', 'une', 'des', 'du', 'de', 'd', 'au', 'aux', 'à', 'a', 'et', 'ou', 'où',
  'en', 'dans', 'par', 'pour', 'sur', 'sous', 'avec', 'sans', 'entre', 'ce', 'cet', 'cette', 'ces', 'se',
  'sa', 'son', 'ses', 'leur', 'leurs', 'qui', 'que', 'qu', 'dont', 'ne', 'pas', 'y',
  'the', 'of', 'and', 'an', 'for', 'to', 'in', 'on', 'with',
];

/**
 * Names French geodata goes by, both ways (Meilisearch synonyms are one-way): acronyms of planning documents
 * (people search "PLU", producers title "Plan local d'urbanisme"), and the usual pairs of terms for the same
 * product. Kept small on purpose: each group must be true equivalents, or it drags unrelated results in.
 */
export const SYNONYM_GROUPS: string[][] = [
  ['plu', "plan local d'urbanisme"],
  ['plui', "plan local d'urbanisme intercommunal"],
  ['scot', 'schéma de cohérence territoriale'],
  ['ppri', "plan de prévention du risque inondation"],
  ['mnt', 'modèle numérique de terrain'],
  ['cadastre', 'parcellaire'],
  ['orthophotographie', 'orthophoto', 'orthoimage'],
];

/** Every term of a group mapped to the other terms of its group. */
export function synonyms(groups: string[][]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const group of groups) {
    for (const term of group) out[term] = [...(out[term] ?? []), ...group.filter((t) => t !== term)];
  }
  return out;
}

/** The index settings. */
export function meiliSettings(opts: SettingsOptions): Settings {
  return {
    searchableAttributes: SEARCHABLE,
    filterableAttributes: [...Object.values(FACET_FIELDS), 'members', DATE_FIELD, ...BBOX_FIELDS],
    sortableAttributes: [DATE_FIELD, TITLE_SORT_FIELD, 'id'],
    // `sort` first: a search sorted by date or title is in that order, relevance only breaking ties; a search
    // without `sort` (relevance) is unaffected because the rule is then a no-op.
    rankingRules: ['sort', 'words', 'typo', 'proximity', 'attribute', 'exactness'],
    stopWords: STOP_WORDS,
    synonyms: synonyms(SYNONYM_GROUPS),
    // French segmentation and normalisation for the text fields whatever the script detection guesses
    // (short titles are often misdetected); the lists of names (organisations) are left to detection.
    localizedAttributes: [{ attributePatterns: ['title', 'altTitles', 'abstract', 'keywords'], locales: ['fra'] }],
    typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
    // Facet counts ordered by count, so that the values cut by maxValuesPerFacet are the rare ones.
    faceting: { maxValuesPerFacet: opts.maxValuesPerFacet, sortFacetValuesBy: { '*': 'count' } },
    pagination: { maxTotalHits: opts.maxTotalHits },
    // Facet-value search is never used (suggest() searches titles): not building it makes indexing of the 32
    // bbox fields cheaper.
    facetSearch: false,
  };
}
