/**
 * The SearchIndex port (DESIGN §3): one contract, two adapters — the embedded engine (PostgreSQL full text on
 * the store's own database, PGlite or a server: src/search/embedded/) and Meilisearch (src/search/meilisearch/,
 * when MEILI_URL is set). Both are checked by the same contract suite (test/search/contract.ts).
 *
 * What is indexed is one SearchDoc per resource, not per record: records of several sources that share a
 * resource identifier (src/store/identity.ts) are one document, keyed by the group's preferred record, listing
 * every producer. Documents are built from the store by src/search/document.ts; the indexer
 * (src/search/indexer.ts) keeps the index in step with the store through the search outbox.
 *
 * The index serves the portal's search (`GET /api/search`). Deep paging and harvest-style listings never go
 * to it: CSW, DCAT and OGC API Records page through the store (Meilisearch stops at maxTotalHits).
 */

/** WGS 84 longitudes/latitudes, west <= east (a box crossing the antimeridian is stored as two). */
export interface Bbox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** What the index holds for one resource. Every field is plain data: the adapters own their storage form. */
export interface SearchDoc {
  /** The preferred record's id (the record links of a hit point at it). */
  id: string;
  /** Ids of every visible record of the resource, the preferred one first. */
  members: string[];
  /** Source ids of those records (the producers as harvested), the preferred record's first, distinct. */
  sources: string[];
  /** Organisation names of the resource's contacts (owner, publisher, pointOfContact…), distinct, as written. */
  organisations: string[];
  /** gmd:fileIdentifier of the preferred record, when it has one. */
  identifier: string | null;
  title: string;
  /** Other titles: alternate titles and the translations of the title. */
  altTitles: string[];
  abstract: string;
  /** Every keyword text (all groups, all thesauri), distinct, as written. */
  keywords: string[];
  /** ISO topic categories (e.g. "environment"). */
  topics: string[];
  /** hierarchyLevel: dataset, series, service, nonGeographicDataset… */
  type: string;
  /** Distribution format names, distinct, as written ("GeoJSON", "ESRI Shapefile"…). */
  formats: string[];
  /** The recognised licence's id ("etalab-2.0", "odbl-1.0"…), when there is one. */
  license: string | null;
  /** Bounding boxes of the resource (each one west <= east; a box crossing the antimeridian is split in two). */
  bboxes: Bbox[];
  /**
   * The resource's date (its latest revision, else publication, else creation date; else the metadata date),
   * ISO 8601 `YYYY-MM-DD`; the `from`/`to` filters and the date sort use it.
   */
  date: string | null;
  /** Temporal coverage, ISO 8601 dates, when the record has one. */
  temporal: { start: string | null; end: string | null } | null;
  /** Resource languages (ISO 639-2/B). */
  languages: string[];
  /** URL of the first graphic overview, for result lists. */
  thumbnail: string | null;
}

/** Fields a query can count values of. */
export const FACETS = ['type', 'source', 'keyword', 'format', 'license', 'topic', 'organisation'] as const;
export type Facet = (typeof FACETS)[number];

export const SORTS = ['relevance', 'date', 'title'] as const;
export type Sort = (typeof SORTS)[number];

/** A parsed, validated search (src/search/query.ts turns `GET /api/search` parameters into this). */
export interface SearchQuery {
  /**
   * Free text in web-search syntax: words (all required), "quoted phrases", `OR` between alternatives, `-word`
   * to exclude. Accents and case never matter; French and English plurals / inflections match their stem.
   * Empty or absent: every document matches (a browse).
   */
  q?: string;
  /** Documents whose bboxes intersect any of these boxes (a query box crossing the antimeridian is two). */
  bbox?: Bbox[];
  /** Within one field, values are alternatives (OR); across fields, all must hold (AND). */
  type?: string[];
  source?: string[];
  keyword?: string[];
  format?: string[];
  license?: string[];
  topic?: string[];
  organisation?: string[];
  /** Inclusive bounds on `date` (YYYY-MM-DD); a document without a date never matches a date bound. */
  from?: string;
  to?: string;
  /** relevance (default with q; without q it falls back to date), date (newest first), title (A→Z). */
  sort: Sort;
  /** 1-based page and page size (1…100). */
  page: number;
  limit: number;
  /** Facets to count over the whole result set (exact counts), at most `facetLimit` values each, most frequent first. */
  facets: Facet[];
  facetLimit: number;
}

export interface SearchHit {
  doc: SearchDoc;
  /** Relevance score (higher is better; comparable within one result only). 0 when not ranked by text. */
  score: number;
  /**
   * Where the words matched: the title and a short extract of the abstract (or of the title when the abstract
   * did not match), with matches between `«` and `»` markers. Plain text: the HTTP layer escapes and styles it.
   */
  highlight: { title: string; snippet: string };
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface SearchResult {
  /** Exact number of matching documents. */
  total: number;
  hits: SearchHit[];
  facets: Partial<Record<Facet, FacetValue[]>>;
  /**
   * When the query found nothing (or little) and looked like a typo: the corrected query ("did you mean"), whose
   * results are then the ones returned (`corrected: true`).
   */
  suggestion?: string;
  corrected?: boolean;
}

/** Signals the adapters throw: the HTTP layer turns `query` into a 400, the rest into a 503. */
export class SearchError extends Error {
  constructor(
    message: string,
    readonly kind: 'query' | 'unavailable' | 'internal',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SearchError';
  }
}

export interface SearchIndex {
  readonly engine: 'embedded' | 'meilisearch';
  /** Creates or updates the index structures and settings (idempotent; called at start-up). */
  init(): Promise<void>;
  /** Adds or replaces documents by id. Resolves once they are searchable. */
  upsert(docs: SearchDoc[]): Promise<void>;
  /** Removes documents by id (unknown ids are ignored). Resolves once they are gone from results. */
  remove(ids: string[]): Promise<void>;
  /** Ids of documents whose `members` include this record id (to refresh a group a record leaves). */
  docsWithMember(recordId: string): Promise<string[]>;
  search(q: SearchQuery): Promise<SearchResult>;
  /** Completions for a prefix the user is typing (titles and keywords), most relevant first. */
  suggest(prefix: string, limit: number): Promise<string[]>;
  /**
   * Builds a fresh index from every document and swaps it in atomically: searches keep being answered from
   * the old index until the new one is complete. Returns the number of documents indexed.
   */
  rebuild(docs: AsyncIterable<SearchDoc[]>, onProgress?: (indexed: number) => void): Promise<number>;
  /** Number of documents in the index. */
  count(): Promise<number>;
  close(): Promise<void>;
}
