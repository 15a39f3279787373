// Entry file of a front process (src/http/fronts.ts forks it; front.ts is what it runs). Built (dist/, see
// scripts/build.mjs), front.js is beside this file. From the sources, the process gets no loader (it is forked
// without the hub's node options) and Node 20 cannot load TypeScript by itself: tsx is registered here first.
import { existsSync } from 'node:fs';

const built = new URL('./front.js', import.meta.url);
let front;
if (existsSync(built)) {
  front = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  front = await import('./front.ts');
}
front.runFrontProcess();
