/**
 * The embedded engine's tables (migration 4, src/store/migrations/004-search.ts) and how search fields map to
 * their columns. A rebuild fills copies with the `_new` suffix and swaps them in; every writer takes a `Tables`
 * so the same code fills either set.
 */
import type { Facet } from '../types.ts';

export interface Tables {
  docs: string;
  boxes: string;
  lexicon: string;
  completions: string;
}

/** The live tables, the ones searches read. */
export const LIVE: Tables = {
  docs: 'search_docs',
  boxes: 'search_boxes',
  lexicon: 'search_lexicon',
  completions: 'search_completions',
};

/** The tables a rebuild fills before swapping them in. */
export const FRESH: Tables = {
  docs: 'search_docs_new',
  boxes: 'search_boxes_new',
  lexicon: 'search_lexicon_new',
  completions: 'search_completions_new',
};

/** A facet's (and its filter's) column in search_docs: scalar text, or a text[] of distinct values. */
export interface FacetColumn {
  column: string;
  array: boolean;
}

export const FACET_COLUMNS: Readonly<Record<Facet, FacetColumn>> = {
  type: { column: 'type', array: false },
  source: { column: 'sources', array: true },
  keyword: { column: 'keywords', array: true },
  format: { column: 'formats', array: true },
  license: { column: 'license', array: false },
  topic: { column: 'topics', array: true },
  organisation: { column: 'organisations', array: true },
};

/** The two text search configurations of migration 4; a document is indexed with both. */
export const CONFIGS = { fr: 'search_fr', en: 'search_en' } as const;
