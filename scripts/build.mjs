// Builds dist/: the hub's TypeScript (src/, harvesters/, mappings/) as plain JavaScript, file for file, that
// bin/moisson.js runs instead of the sources while dist/ matches them (scripts/sources.mjs, sourceFingerprint).
//
// Why: a process that loads the sources through tsx carries tsx's loader thread and what it keeps (about 40 MB),
// and so does every mapping worker thread; the same code loaded as JavaScript started in ~105 MB of RSS
// instead of ~165 MB. Run by `npm install` (prepare) and `npm start` (prestart); `npm run build` by hand. A dist/
// that is current already is left alone.
//
// Each .ts file becomes a .js file at the same place under dist/ (relative imports of .ts files rewritten to .js);
// the plain JavaScript files (thread entry points) are copied; package.json, schemas/ and seeds/ are linked, so
// that a module's paths relative to its own file (import.meta.url) reach the same files from dist/ as from the
// sources. Nothing bundled (esbuild's `bundle` is on only so that every import goes through the plugin, which
// keeps them all external) and nothing minified: a stack trace names the same functions, in the .js file
// beside where the .ts file is.
import { cpSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { distIsCurrent, SOURCE_DIRS, sourceFiles, sourceFingerprint } from './sources.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
/** Built beside dist/ and put in its place at the end: a build that fails leaves the previous one whole. */
const next = path.join(root, `dist.${process.pid}.tmp`);
/** What dist/ links to, for the modules that find them relative to their own file. */
const LINKED = ['package.json', 'schemas', 'seeds'];

/** Relative imports of .ts files point at the .js files built beside them; everything else stays as written. */
const rewriteRelativeImports = {
  name: 'rewrite-relative-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point'
      ? undefined
      : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
    b.onResolve({ filter: /^[^.]/ }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path, external: true }));
  },
};

// Current already: nothing to do, and nothing replaced under a hub that runs it (`--force` builds anyway).
if (!process.argv.includes('--force') && distIsCurrent(root)) process.exit(0);

const fingerprint = sourceFingerprint(root);
const files = sourceFiles(root);
const started = performance.now();
rmSync(next, { recursive: true, force: true });
try {
  await build({
    entryPoints: files.filter((f) => f.endsWith('.ts')).map((f) => path.join(root, f)),
    outdir: next,
    outbase: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [rewriteRelativeImports],
    logLevel: 'warning',
  });
  for (const f of files.filter((f) => !f.endsWith('.ts'))) {
    mkdirSync(path.dirname(path.join(next, f)), { recursive: true });
    cpSync(path.join(root, f), path.join(next, f));
  }
  for (const name of LINKED) symlinkSync(path.join('..', name), path.join(next, name));
  writeFileSync(path.join(next, 'FINGERPRINT'), `${fingerprint}\n`);
  rmSync(dist, { recursive: true, force: true });
  renameSync(next, dist);
} catch (err) {
  rmSync(next, { recursive: true, force: true });
  console.error(`moisson: building dist/ failed (the sources will be run through tsx): ${err.message}`);
  // Before `npm start`, a failed build (a read-only checkout…) must not keep the hub from starting.
  process.exit(process.env.npm_lifecycle_event === 'prestart' ? 0 : 1);
}
console.log(`moisson: built dist/ from ${files.length} files of ${SOURCE_DIRS.join(', ')} in ${(performance.now() - started).toFixed(0)} ms`);
