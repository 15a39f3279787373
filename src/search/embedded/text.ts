/**
 * Text helpers of the embedded engine, pure: folding (accents, case, ligatures), the words of the typo lexicon
 * and the entries of the completion list of a document, and how those tables' counts change when documents are
 * replaced or removed.
 *
 * Folding is done here rather than with SQL's unaccent(): the lexicon and completion keys are only ever
 * compared with other keys folded by the same function (a query's words, a typed prefix), so one JavaScript
 * function on both sides is consistent by construction, and SQL needs no per-row function.
 */
import type { SearchDoc } from '../types.ts';

/** Letters that Unicode decomposition does not split into a base letter and a mark. */
const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', ł: 'l', đ: 'd', ı: 'i', þ: 'th' };

/** Lower case, without accents or ligatures: "Œuvre Bâtie" -> "oeuvre batie". */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[œæßøłđıþ]/g, (c) => LIGATURES[c]);
}

/** A phrase as a completion or sort key: folded, punctuation as spaces, spaces collapsed. */
export function phraseKey(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Words (letters and digits) of a text, in order, as written. */
export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Lexicon words are at least this long: shorter ones are too ambiguous to correct towards. */
export const MIN_WORD = 3;

/** A word the lexicon takes: long enough, and not a number or a code with digits. */
export function lexiconWord(word: string): boolean {
  return word.length >= MIN_WORD && !/\p{N}/u.test(word);
}

/** One entry of the lexicon or the completion list: folded key and the form shown to people. */
export interface Term {
  key: string;
  display: string;
}

/** Distinct lexicon words of a document (title, other titles, keywords), keyed by their folded form. */
export function lexiconTerms(doc: SearchDoc): Term[] {
  const out = new Map<string, string>();
  for (const text of [doc.title, ...doc.altTitles, ...doc.keywords]) {
    for (const w of words(text)) {
      if (!lexiconWord(w)) continue;
      const key = fold(w);
      if (!out.has(key)) out.set(key, w.toLowerCase());
    }
  }
  return [...out].map(([key, display]) => ({ key, display }));
}

/** Completion entries are cut at this length (a key indexed with trigrams need not be a whole abstract). */
const MAX_COMPLETION = 200;

/** Distinct completion entries of a document: its title and its keywords, as written. */
export function completionTerms(doc: SearchDoc): Term[] {
  const out = new Map<string, string>();
  for (const text of [doc.title, ...doc.keywords]) {
    const display = text.trim().slice(0, MAX_COMPLETION);
    const key = phraseKey(display);
    if (key && !out.has(key)) out.set(key, display);
  }
  return [...out].map(([key, display]) => ({ key, display }));
}

/** Net change of one entry's document count. */
export interface TermDelta extends Term {
  delta: number;
}

/**
 * How the counts of a table change when `before` documents are replaced by `after` ones: +1 per new document
 * using an entry, -1 per old one. Sorted by key, so that concurrent writers lock rows in one order.
 */
export function termDeltas(before: SearchDoc[], after: SearchDoc[], terms: (d: SearchDoc) => Term[]): TermDelta[] {
  const byKey = new Map<string, TermDelta>();
  const add = (docs: SearchDoc[], sign: number) => {
    for (const doc of docs) {
      for (const t of terms(doc)) {
        const d = byKey.get(t.key) ?? { ...t, delta: 0 };
        d.delta += sign;
        if (sign > 0) d.display = t.display;
        byKey.set(t.key, d);
      }
    }
  };
  add(before, -1);
  add(after, +1);
  return [...byKey.values()].filter((d) => d.delta !== 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
