/**
 * Single flight: concurrent calls for the same key share one execution of `fn` — however many clients ask
 * for a missing tile at once, the upstream sees one request. The entry is removed when the call settles, so
 * the next caller after that starts afresh (by then the tile is in the cache).
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = fn().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  /** Number of keys being fetched now (for tests and metrics). */
  get size(): number {
    return this.inFlight.size;
  }
}
