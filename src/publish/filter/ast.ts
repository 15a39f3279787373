/**
 * The filter language every publisher compiles to SQL over the catalogue (src/store/catalogue.ts): OGC Filter 1.1
 * (CSW `constraintLanguage=FILTER`), CQL_TEXT, and the query parameters of OGC API - Records all parse into this
 * tree; src/publish/filter/sql.ts is the one translator to SQL, through the queryables table
 * (mappings/queryables.ts). Properties are kept as the client wrote them (`apiso:Title`, `dc:title`, `title`):
 * the translator resolves them, case-insensitively, and rejects unknown ones with a locator.
 */

/** A WGS 84 envelope in longitude / latitude order (parsers swap axes per the CRS they were given). */
export interface Envelope {
  west: number;
  south: number;
  east: number;
  north: number;
}

export type Literal = string | number | boolean;

export type ComparisonOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type SpatialOp = 'bbox' | 'intersects' | 'within' | 'contains' | 'disjoint' | 'equals' | 'overlaps';

export type Filter =
  | { op: 'and' | 'or'; args: Filter[] }
  | { op: 'not'; arg: Filter }
  | { op: ComparisonOp; property: string; value: Literal; matchCase?: boolean }
  /** `pattern` uses the given wildcard, single-character and escape characters (Filter 1.1 PropertyIsLike). */
  | { op: 'like'; property: string; pattern: string; wildCard: string; singleChar: string; escapeChar: string; matchCase?: boolean }
  | { op: 'between'; property: string; lower: Literal; upper: Literal }
  | { op: 'null'; property: string }
  | { op: SpatialOp; property: string; envelope: Envelope }
  /** Always true / always false (an empty And, a filter element with no condition). */
  | { op: 'true' }
  | { op: 'false' };

/** One key of a SortBy: a property as the client wrote it. */
export interface SortKey {
  property: string;
  descending: boolean;
}
