/**
 * "Did you mean": a query word that no title or keyword uses (it is not in the lexicon) is replaced by the most
 * similar lexicon word (pg_trgm trigram similarity, through the lexicon's GIN index), keeping the rest of the
 * query — quotes, OR, minus signs, other words — as typed.
 */
import type { Db } from '../../store/db.ts';
import { LIVE } from './tables.ts';
import { fold, lexiconWord } from './text.ts';

/**
 * Below this trigram similarity a word is left alone: "bâtimnts"/"batiments" is 0.58, "ecole"/"ecolle" 0.63,
 * while unrelated words of similar length score under 0.3.
 */
export const MIN_SIMILARITY = 0.4;

/** Query words as typed, with their offsets; the operator "or" (any case) is not a word to correct. */
function queryWords(q: string): { word: string; index: number }[] {
  return [...q.matchAll(/[\p{L}\p{N}]+/gu)]
    .map((m) => ({ word: m[0], index: m.index! }))
    .filter((w) => w.word.toLowerCase() !== 'or' && lexiconWord(w.word));
}

/** Folded words of `keys` that the lexicon holds. */
async function knownWords(db: Db, keys: string[]): Promise<Set<string>> {
  const r = await db.query<{ word: string }>(`SELECT word FROM ${LIVE.lexicon} WHERE word = ANY($1::text[])`, [keys]);
  return new Set(r.rows.map((x) => x.word));
}

/** The lexicon word closest to `key` (its display form), or null when none is similar enough. */
async function closestWord(db: Db, key: string): Promise<string | null> {
  const r = await db.query<{ display: string; similarity: number }>(
    'SELECT display, similarity FROM search_similar_words($1, 1)', [key]);
  const best = r.rows[0];
  return best && best.similarity >= MIN_SIMILARITY ? best.display : null;
}

/** The query with each unknown word replaced by its closest lexicon word; null when nothing changes. */
export async function correctQuery(db: Db, q: string): Promise<string | null> {
  const candidates = queryWords(q);
  if (candidates.length === 0) return null;
  const known = await knownWords(db, [...new Set(candidates.map((w) => fold(w.word)))]);
  let out = '';
  let at = 0;
  let changed = false;
  for (const { word, index } of candidates) {
    const key = fold(word);
    if (known.has(key)) continue;
    const replacement = await closestWord(db, key);
    if (!replacement || fold(replacement) === key) continue;
    out += q.slice(at, index) + replacement;
    at = index + word.length;
    changed = true;
  }
  return changed ? out + q.slice(at) : null;
}
