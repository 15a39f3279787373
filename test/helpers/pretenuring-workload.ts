// Child process of test/heap.test.ts: turns V8's pretenuring off as the hub does (src/heap.ts) when PRETENURING
// is 'hub', then makes one allocation site's objects survive (V8 then tenures the site, when allowed to) and
// makes short-lived objects at the same site; prints how far the old space grew during the second part (run
// with small semi-spaces: test/heap.test.ts).
import v8 from 'node:v8';
import { stopPretenuring } from '../../src/heap.ts';

const stopped = process.env.PRETENURING === 'hub' ? stopPretenuring() : false;
const oldSpaceUsed = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
// An object literal with a nested array literal: V8 tracks it with an allocation site.
const make = (i: number) => ({ id: i, children: [i] });
const kept: unknown[] = [];
for (let i = 0; i < 1_000_000; i++) kept.push(make(i));
kept.length = 0;
const before = oldSpaceUsed();
// Garbage from the same site: a thousand objects alive at a time.
const ring: unknown[] = new Array(1024);
let peak = before;
for (let i = 0; i < 3_000_000; i++) {
  ring[i & 1023] = make(i);
  if ((i & 0xffff) === 0) peak = Math.max(peak, oldSpaceUsed());
}
process.stdout.write(JSON.stringify({ stopped, oldSpaceGrowth: peak - before }));
