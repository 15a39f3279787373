/**
 * The Meilisearch filter builder and document shape (src/search/meilisearch/filter.ts, document.ts), without a
 * server: string escaping is checked against a transcription of Meilisearch's own reading of quoted values,
 * and bbox filters are evaluated on the documents the adapter would store.
 */
import { describe, expect, it } from 'vitest';
import { normaliseBbox } from '../../src/search/document.ts';
import { BBOX_SLOTS, bboxSlots, fromMeiliDoc, titleSortKey, toMeiliDoc } from '../../src/search/meilisearch/document.ts';
import { buildFilter, memberFilter, quote } from '../../src/search/meilisearch/filter.ts';
import { SearchError, type Bbox, type SearchDoc } from '../../src/search/types.ts';

/**
 * How Meilisearch (1.4 and later) reads a double-quoted filter value: crates/filter-parser/src/value.rs,
 * `quoted_by` then `unescaper::unescape`. The value runs to the first quote that a backslash does not escape;
 * if it held `\"`, those become `"`; then backslash escapes are resolved (`\\` -> `\`; an unknown escape is an
 * error). Returns the value and what follows it.
 */
function meiliReadQuoted(s: string): { value: string; rest: string } {
  if (s[0] !== '"') throw new Error('not a quoted value');
  let i = 1;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  if (i >= s.length) throw new Error('missing closing delimiter "');
  const raw = s.slice(1, i);
  const unquoted = raw.replaceAll('\\"', '"');
  const value = unquoted.replace(/\\(.)/gsu, (_, c: string) => {
    const known: Record<string, string> = { '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t', r: '\r', '0': '\0' };
    if (!(c in known)) throw new Error(`invalid escape \\${c}`);
    return known[c];
  });
  return { value, rest: s.slice(i + 1) };
}

const doc = (over: Partial<SearchDoc> = {}): SearchDoc => ({
  id: 'd1', members: ['d1'], sources: ['s'], organisations: [], identifier: null, title: 'T', altTitles: [], abstract: '',
  keywords: [], topics: [], type: 'dataset', formats: [], license: null, bboxes: [], date: null, temporal: null,
  languages: [], thumbnail: null, ...over,
});

/**
 * Evaluates a bbox-only filter on a stored document the way Meilisearch does: a comparison on a field the
 * document lacks is false. Throws if the filter holds anything else than bbox comparisons, AND, OR, brackets.
 */
function matchesBbox(filter: string, stored: Record<string, unknown>): boolean {
  const js = filter
    .replace(/(bbox\d+_(?:west|south|east|north)) (<=|>=) (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/g, (_, field: string, op: string, n: string) =>
      `(typeof d[${JSON.stringify(field)}] === 'number' && d[${JSON.stringify(field)}] ${op} ${n})`)
    .replaceAll(' AND ', ' && ')
    .replaceAll(' OR ', ' || ');
  expect(js).not.toMatch(/bbox\d+_\w+ [<>]/);
  return new Function('d', `return ${js};`)(stored) as boolean;
}

const box = (west: number, south: number, east: number, north: number): Bbox => ({ west, south, east, north });
const storedWith = (...boxes: Bbox[]) => toMeiliDoc(doc({ bboxes: boxes }));
const hit = (query: Bbox | Bbox[], stored: Record<string, unknown>) => matchesBbox(buildFilter({ bbox: [query].flat() })!, stored);

describe('Meilisearch filter values', () => {
  const tricky = ['plain', 'a"b', 'ends with a backslash\\', '\\"', 'C:\\new\\table', '"quoted"', 'back\\\\slash', 'l\'eau « potable »', 'n\\n'];

  it.each(tricky)('quotes %j so that Meilisearch reads it back exactly', (value) => {
    const quoted = quote(value);
    expect(meiliReadQuoted(quoted)).toEqual({ value, rest: '' });
    expect(meiliReadQuoted(`${quoted} AND x = 1`).rest).toBe(' AND x = 1');
  });

  it('would be misread without the escaping (the reference reader is strict)', () => {
    expect(() => meiliReadQuoted('"ends with a backslash\\"')).toThrow('missing closing delimiter');
    expect(meiliReadQuoted('"a"b"')).toEqual({ value: 'a', rest: 'b"' });
  });

  it('escapes backslashes before quotes', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('writes list filters as IN lists, OR within a field and AND across fields', () => {
    expect(buildFilter({ type: ['dataset', 'series'], source: ['geo"bretagne'], keyword: [], format: undefined })).toBe(
      '(type IN ["dataset", "series"]) AND (sources IN ["geo\\"bretagne"])',
    );
    expect(buildFilter({ license: ['etalab-2.0'] })).toBe('license IN ["etalab-2.0"]');
    expect(buildFilter({ topic: ['environment'], organisation: ['IGN'] })).toBe('(topics IN ["environment"]) AND (organisations IN ["IGN"])');
  });

  it('has no filter for a query without filters', () => {
    expect(buildFilter({ q: 'route', type: [], bbox: [] })).toBeUndefined();
  });

  it('bounds dates inclusively on the YYYYMMDD number', () => {
    expect(buildFilter({ from: '2020-01-01', to: '2020-12-31' })).toBe('(dateNum >= 20200101) AND (dateNum <= 20201231)');
  });

  it('refuses a malformed date and a non-finite coordinate as query errors', () => {
    expect(() => buildFilter({ from: '2020-1-1' })).toThrow(SearchError);
    expect(() => buildFilter({ to: '2020-01-01" OR x = 1' })).toThrow(/to must be a date/);
    try {
      buildFilter({ bbox: [box(0, 0, Number.NaN, 1)] });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ kind: 'query' });
    }
  });

  it('finds documents by member id, quoted', () => {
    expect(memberFilter('3f1c"x')).toBe('members = "3f1c\\"x"');
  });
});

describe('Meilisearch bbox filter', () => {
  const bretagne = storedWith(box(-5.2, 47.2, -1.0, 48.9));

  it('matches a box inside, across or touching the stored box, not one beside it', () => {
    expect(hit(box(-1.8, 48.0, -1.5, 48.2), bretagne)).toBe(true); // Rennes
    expect(hit(box(-10, 40, 10, 60), bretagne)).toBe(true); // around it
    expect(hit(box(-1.0, 45, 3, 47.2), bretagne)).toBe(true); // touching a corner
    expect(hit(box(2.2, 48.8, 2.5, 48.9), bretagne)).toBe(false); // Paris: same latitudes
    expect(hit(box(-3, 49, -2, 50), bretagne)).toBe(false); // the Channel: same longitudes
  });

  it('never matches a document without a box', () => {
    expect(hit(box(-180, -90, 180, 90), storedWith())).toBe(false);
  });

  it('keeps the boxes of a resource apart (no envelope): metropolitan France and La Réunion', () => {
    const france = storedWith(box(-5.2, 41.3, 9.6, 51.1), box(55.2, -21.4, 55.9, -20.8));
    expect(hit(box(55.4, -21.2, 55.6, -21.0), france)).toBe(true); // Saint-Denis de La Réunion
    expect(hit(box(40, -20, 45, -15), france)).toBe(false); // Mozambique channel: inside the envelope only
    expect(hit(box(20, 0, 30, 10), france)).toBe(false);
  });

  it('matches a resource crossing the antimeridian on both sides only', () => {
    const fiji = storedWith(...normaliseBbox({ west: 176, east: -178, south: -19, north: -16 }));
    expect(hit(box(177, -18, 179, -17), fiji)).toBe(true);
    expect(hit(box(-179, -18, -178.5, -17), fiji)).toBe(true);
    expect(hit(box(0, -18, 10, -17), fiji)).toBe(false);
  });

  it('takes a query box crossing the antimeridian as its two halves', () => {
    const samoa = storedWith(box(-172.8, -14.1, -171.4, -13.4));
    const guam = storedWith(box(144.6, 13.2, 145.0, 13.7));
    const across = [box(170, -20, 180, -10), box(-180, -20, -170, -10)];
    expect(hit(across, samoa)).toBe(true);
    expect(hit(across, bretagne)).toBe(false);
    expect(hit([box(170, 10, 180, 20), box(-180, 10, -170, 20)], guam)).toBe(false);
  });

  it('refuses a query box with west > east or south > north (the caller splits boxes at the antimeridian)', () => {
    expect(() => buildFilter({ bbox: [box(170, -20, -170, -10)] })).toThrow(/west <= east/);
    expect(() => buildFilter({ bbox: [box(0, 10, 1, 5)] })).toThrow(SearchError);
  });

  it('matches when any query box intersects', () => {
    expect(hit([box(100, 0, 110, 10), box(-2, 48, -1.5, 48.5)], bretagne)).toBe(true);
    expect(hit([box(100, 0, 110, 10), box(20, 0, 30, 10)], bretagne)).toBe(false);
  });

  it('keeps the first boxes exactly and the envelope of the rest beyond the slots (a superset, never a miss)', () => {
    const boxes = Array.from({ length: BBOX_SLOTS + 2 }, (_, i) => box(i * 10, 0, i * 10 + 1, 1));
    const stored = storedWith(...boxes);
    expect(bboxSlots(boxes)).toHaveLength(BBOX_SLOTS);
    expect(bboxSlots(boxes).at(-1)).toEqual(box((BBOX_SLOTS - 1) * 10, 0, (BBOX_SLOTS + 1) * 10 + 1, 1));
    for (const b of boxes) expect(hit(b, stored)).toBe(true);
    expect(hit(box(5, 0, 6, 1), stored)).toBe(false); // between two exact boxes
    expect(hit(box((BBOX_SLOTS - 1) * 10 + 5, 0, (BBOX_SLOTS - 1) * 10 + 6, 1), stored)).toBe(true); // the envelope's gap
    expect(hit(box(170, 50, 179, 60), stored)).toBe(false);
  });
});

describe('Meilisearch documents', () => {
  it('adds the date number, the title sort key and four numbers per box', () => {
    const stored = toMeiliDoc(doc({ title: '« École » des  Mines', date: '2023-04-05', bboxes: [box(-5, 47, -1, 49), box(55, -21, 56, -20)] }));
    expect(stored).toMatchObject({
      dateNum: 20230405,
      titleSort: 'ecole » des mines',
      bbox0_west: -5, bbox0_south: 47, bbox0_east: -1, bbox0_north: 49,
      bbox1_west: 55, bbox1_south: -21, bbox1_east: 56, bbox1_north: -20,
    });
    expect(stored).not.toHaveProperty('bbox2_west');
  });

  it('has no date number without a date, so that date bounds never match it', () => {
    expect(toMeiliDoc(doc({ date: null }))).not.toHaveProperty('dateNum');
  });

  it('maps a stored document or hit back to exactly the SearchDoc', () => {
    const original = doc({ title: 'Réseau', bboxes: [box(1, 2, 3, 4)], date: '2020-01-02', temporal: { start: '2019-01-01', end: null } });
    const stored = { ...toMeiliDoc(original), _formatted: { title: '«Réseau»' }, _rankingScore: 0.5 };
    expect(fromMeiliDoc(stored)).toEqual(original);
  });

  it('sorts titles regardless of case, accents, ligatures and leading punctuation', () => {
    const titles = ['Zones humides', 'écoles', '"Arbres"', 'Œuvres d’art', 'Eau potable', 'étangs', 'Parcelles', 'Ober'];
    expect([...titles].sort((a, b) => (titleSortKey(a) < titleSortKey(b) ? -1 : 1))).toEqual(
      ['"Arbres"', 'Eau potable', 'écoles', 'étangs', 'Ober', 'Œuvres d’art', 'Parcelles', 'Zones humides'],
    );
  });
});
