/**
 * Completions for what a person is typing: titles and keywords whose folded form starts with the typed words,
 * or has a word starting with them ("urbani" finds "Plan local d'urbanisme"). Both LIKE patterns are served by
 * the completion list's pg_trgm GIN index. Entries that start with the prefix come first, then the most used.
 */
import type { Db } from '../../store/db.ts';
import { LIVE } from './tables.ts';
import { phraseKey } from './text.ts';

/** Shorter prefixes match too much to be useful (and trigrams cannot narrow them). */
const MIN_PREFIX = 2;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function suggestCompletions(db: Db, prefix: string, limit: number): Promise<string[]> {
  const key = phraseKey(typeof prefix === 'string' ? prefix : '');
  const n = Math.max(0, Math.min(100, Math.floor(Number(limit) || 0)));
  if (key.length < MIN_PREFIX || n === 0) return [];
  const start = `${escapeLike(key)}%`;
  const r = await db.query<{ display: string }>(
    `SELECT display FROM ${LIVE.completions}
     WHERE key LIKE $1 OR key LIKE $2
     ORDER BY key LIKE $1 DESC, docs DESC, length(key), key
     LIMIT $3`,
    [start, `% ${start}`, n],
  );
  return r.rows.map((x) => x.display);
}
