/**
 * Picks the SearchIndex adapter from the configuration: Meilisearch when MEILI_URL is set, else the embedded
 * engine (PostgreSQL full text on the store's own database). The hub, the CLI (`moisson reindex`) and the
 * benchmarks all open their index here, so they always agree on which engine holds the documents.
 */
import type { HubConfig } from '../config.ts';
import type { Db } from '../store/db.ts';
import type { SearchIndex } from './types.ts';

export type SearchEnv = Pick<HubConfig, 'meiliUrl' | 'meiliKey'>;

/** The configured index, not yet initialised: call `init()` (the indexer does, and retries when it fails). */
export async function openSearchIndex(db: Db, env: SearchEnv): Promise<SearchIndex> {
  if (env.meiliUrl) {
    // Loaded only when used: a hub on the embedded engine never loads the Meilisearch client.
    const { createMeiliIndex } = await import('./meilisearch/index.ts');
    return createMeiliIndex({ url: env.meiliUrl, key: env.meiliKey });
  }
  const { createEmbeddedIndex } = await import('./embedded/index.ts');
  return createEmbeddedIndex(db);
}
