/**
 * dist/ (scripts/build.mjs): the sources built to JavaScript, which bin/moisson.js runs while it is current
 * (scripts/sources.mjs). Built for real here, and run with a hook that fails on any TypeScript module loaded:
 * the command and a mapping worker thread run from dist/ alone.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript without declarations
import { distIsCurrent, sourceFingerprint } from '../scripts/sources.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const noTypeScript = path.join(root, 'test', 'helpers', 'no-typescript.mjs');
const fingerprint = sourceFingerprint as (root: string) => string;
const isCurrent = distIsCurrent as (root: string) => boolean;

describe('the source fingerprint', () => {
  let tree: string;
  beforeAll(async () => {
    tree = await mkdtemp(path.join(os.tmpdir(), 'moisson-fingerprint-'));
    for (const dir of ['src/store', 'harvesters', 'mappings', 'scripts', 'dist']) await mkdir(path.join(tree, dir), { recursive: true });
    await writeFile(path.join(tree, 'src/store/db.ts'), 'export const a = 1;\n');
    await writeFile(path.join(tree, 'harvesters/csw.ts'), 'export const b = 2;\n');
    await writeFile(path.join(tree, 'mappings/thread.mjs'), 'export const c = 3;\n');
    await writeFile(path.join(tree, 'mappings/README.md'), 'not code\n');
    await writeFile(path.join(tree, 'scripts/build.mjs'), '// build\n');
  });
  afterAll(() => rm(tree, { recursive: true, force: true }));

  it('follows the code, not the files\' times, and dist/ is current only with its sources\' fingerprint', async () => {
    const first = fingerprint(tree);
    expect(isCurrent(tree)).toBe(false);
    await writeFile(path.join(tree, 'dist/FINGERPRINT'), `${first}\n`);
    expect(isCurrent(tree)).toBe(true);
    await utimes(path.join(tree, 'harvesters/csw.ts'), new Date(0), new Date(0));
    await writeFile(path.join(tree, 'mappings/README.md'), 'edited, still not code\n');
    expect(fingerprint(tree)).toBe(first);
    await writeFile(path.join(tree, 'mappings/thread.mjs'), 'export const c = 4;\n');
    expect(fingerprint(tree)).not.toBe(first);
    expect(isCurrent(tree)).toBe(false);
    await writeFile(path.join(tree, 'mappings/thread.mjs'), 'export const c = 3;\n');
    await writeFile(path.join(tree, 'scripts/build.mjs'), '// build, changed\n');
    expect(isCurrent(tree)).toBe(false);
  });
});

describe('dist/', () => {
  beforeAll(async () => {
    // A no-op when npm install (prepare) built it from these sources already.
    await run(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, timeout: 60_000 });
  }, 90_000);

  it('is current once built, and stamped with the sources\' fingerprint', async () => {
    expect(isCurrent(root)).toBe(true);
    expect((await readFile(path.join(root, 'dist/FINGERPRINT'), 'utf8')).trim()).toBe(fingerprint(root));
  });

  it('is what the moisson command runs, without loading any TypeScript', async () => {
    const { stdout } = await run(process.execPath, ['--import', noTypeScript, path.join(root, 'bin/moisson.js'), 'help', 'harvest'],
      { cwd: root, timeout: 60_000, env: { ...process.env, MOISSON_FROM_SOURCES: '' } });
    expect(stdout).toMatch(/Usage: moisson harvest/);
    // The hook does fail on TypeScript: the sources, asked for, do not load under it.
    await expect(run(process.execPath, ['--import', noTypeScript, path.join(root, 'bin/moisson.js'), 'help'],
      { cwd: root, timeout: 60_000, env: { ...process.env, MOISSON_FROM_SOURCES: '1' } })).rejects.toThrow(/TypeScript loaded/);
  }, 90_000);

  it('maps a record in a worker thread of its own code', async () => {
    const fixture = path.resolve(root, '..', 'shared', 'fixtures', 'iso19139', 'gemini-dataset-valid.xml');
    const script = `
      import { readFileSync } from 'node:fs';
      const pool = await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist/src/harvest/workers/pool.js')).href)});
      const raw = { bytes: readFileSync(${JSON.stringify(fixture)}), mediaType: 'application/xml', url: 'http://example.org/a.xml', fetchedAt: new Date().toISOString() };
      await pool.startPool(1);
      const mapped = await pool.mapInPool(1, raw, { id: 'test', url: 'http://example.org/' });
      console.log(JSON.stringify({ ok: mapped.ok, title: mapped.record?.title, inPool: pool.mappedInPool() }));
      await pool.closeMappingPool();`;
    // A file, not -e: worker threads inherit the process's options, and --input-type is refused there.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'moisson-dist-'));
    const file = path.join(dir, 'map.mjs');
    await writeFile(file, script);
    const { stdout } = await run(process.execPath, ['--import', noTypeScript, file], { cwd: root, timeout: 60_000 })
      .finally(() => rm(dir, { recursive: true, force: true }));
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    const xml = await readFile(fixture, 'utf8');
    const title = /<gmd:title>\s*<gco:CharacterString>([^<]+)</.exec(xml)![1];
    expect(out).toEqual({ ok: true, title, inPool: 1 });
  }, 90_000);
});
