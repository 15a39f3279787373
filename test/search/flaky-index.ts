/**
 * A SearchIndex that delegates to a real one but fails `upsert` while `state.failures` > 0 (and `count` while
 * `state.countFails`): only for the sync failure and retry tests, since a real engine cannot be made to fail
 * on demand. Every upsert attempt's time is recorded.
 */
import { SearchError, type SearchIndex } from '../../src/search/types.ts';

export function flaky(inner: SearchIndex) {
  const state = { failures: 0, countFails: false, upserts: [] as number[] };
  const index: SearchIndex = {
    engine: inner.engine,
    init: () => inner.init(),
    async upsert(docs) {
      state.upserts.push(Date.now());
      if (state.failures > 0) {
        state.failures--;
        throw new SearchError('engine down for the test', 'unavailable');
      }
      return inner.upsert(docs);
    },
    remove: (ids) => inner.remove(ids),
    docsWithMember: (id) => inner.docsWithMember(id),
    search: (q) => inner.search(q),
    suggest: (p, l) => inner.suggest(p, l),
    rebuild: (docs, p) => inner.rebuild(docs, p),
    async count() {
      if (state.countFails) throw new SearchError('engine unreachable for the test', 'unavailable');
      return inner.count();
    },
    close: async () => {},
  };
  return { index, state };
}
