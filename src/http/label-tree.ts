/** Counting by label values and by buckets, with nothing else loaded (metrics.ts, usage.ts, the front processes). */

/**
 * Cells looked up by a list of label values (nested maps, one level per value): no string is built or hashed
 * per lookup, and values that a joined key would merge (`a`+`b c` and `a b`+`c`) stay apart. `make` creates a
 * missing cell once, from the values; `cells` lists them in the order they were made. Hot callers pass a `make`
 * defined once rather than a closure made on every call (the tile path counts thousands of requests a second).
 */
export class LabelTree<T> {
  private readonly root = new Map<string, unknown>();
  readonly cells: T[] = [];

  cell(values: readonly string[], make: (values: readonly string[]) => T): T {
    let level = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]) as Map<string, unknown> | undefined;
      if (!next) level.set(values[i], (next = new Map()));
      level = next;
    }
    let cell = level.get(values[last]) as T | undefined;
    if (cell === undefined) {
      level.set(values[last], (cell = make(values)));
      this.cells.push(cell);
    }
    return cell;
  }
}

/** The index of the bucket of `value` among `bounds` (upper bounds, inclusive, ascending); bounds.length for +Inf. */
export function bucketOf(bounds: readonly number[], value: number): number {
  let b = 0;
  while (b < bounds.length && value > bounds[b]) b++;
  return b;
}

const statusTexts = new Map<number, string>();

/** A status code as a label value, the same string every time (no new string per request). */
export function statusLabel(status: number): string {
  let text = statusTexts.get(status);
  if (text === undefined) {
    text = String(status);
    if (statusTexts.size < 1000) statusTexts.set(status, text);
  }
  return text;
}
