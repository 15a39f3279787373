/**
 * The SearchIndex contract suite (test/search/contract.ts) on the Meilisearch adapter, against the server named
 * by MEILI_URL (and MEILI_KEY). Each index the suite asks for is a fresh Meilisearch index, deleted afterwards.
 *
 * Without MEILI_URL the whole suite is declared with `describe.runIf(false)`: vitest reports its tests as
 * SKIPPED, not passed — a run without a Meilisearch server has not checked this adapter against the contract.
 * Without a server, the adapter is checked by meilisearch-http.test.ts (request bodies, errors) and the pure
 * tests of its filter and query builders.
 */
import { Meilisearch } from 'meilisearch';
import { afterAll, describe } from 'vitest';
import { createMeiliIndex } from '../../src/search/meilisearch/index.ts';
import type { SearchIndex } from '../../src/search/types.ts';
import { describeSearchContract } from './contract.ts';

const url = process.env.MEILI_URL;
const key = process.env.MEILI_KEY || undefined;

describe.runIf(Boolean(url))('Meilisearch adapter against MEILI_URL (skipped without it)', () => {
  const created: string[] = [];
  let n = 0;

  /** A fresh, empty index for each test (the suite calls init()). */
  function makeIndex(): SearchIndex {
    const name = `moisson-contract-${process.pid}-${Date.now()}-${n++}`;
    created.push(name);
    return createMeiliIndex({ url: url!, key, index: name });
  }

  afterAll(async () => {
    const client = new Meilisearch({ host: url!, apiKey: key });
    for (const name of created) {
      // Rebuilt indexes are named `<name>-<timestamp>` and deleted by the rebuild itself; this drops the live ones.
      await client.deleteIndexIfExists(name);
    }
  });

  describeSearchContract('meilisearch', makeIndex);
});
