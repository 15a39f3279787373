#!/bin/sh
":" //; exec env GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.arena_max=2}" node "$0" "$@"
// The two lines above are read by sh, which runs this file when it is executed as a command (`moisson`, `npx
// moisson`, `./bin/moisson.js`, `npm start`, the Docker image): they start node on it again with glibc's malloc tuned
// (scripts/launch.mjs says why), unless GLIBC_TUNABLES is already set (even empty: yours wins). For node, the
// second line is a string and a comment: `node bin/moisson.js` runs the same code with the environment as it is.
//
// Entry point of the `moisson` command. Runs dist/ (scripts/build.mjs, run by `npm install` and `npm start`)
// when it was built from the sources as they are, and the TypeScript sources through tsx otherwise (a source
// edited since the last build, or no build): the same code either way, but a process running dist/ starts in
// less memory and faster, without tsx's loader thread. MOISSON_FROM_SOURCES=1 always runs the sources.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runsFromDist } from '../scripts/sources.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (runsFromDist(root)) {
  await import('../dist/src/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
