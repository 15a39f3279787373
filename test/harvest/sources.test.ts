import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidSourceError, loadSeedSources, parseSource } from '../../src/harvest/sources.ts';
import { defaultSeedsDir } from '../../src/config.ts';

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidSourceError) return err.problems;
    throw err;
  }
  throw new Error('expected an InvalidSourceError');
}

describe('source definitions', () => {
  it('accepts a CSW source and fills the defaults', () => {
    const def = parseSource({ id: 'geobretagne', type: 'csw', url: 'https://geobretagne.fr/geonetwork/srv/fre/csw' });
    expect(def).toMatchObject({ id: 'geobretagne', type: 'csw', enabled: true, schedule: null });
  });

  it('lists every schema problem with its path', () => {
    const problems = problemsOf(() => parseSource({ id: 'Bad Id', type: 'ftp', url: '', extra: 1 }));
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'type', 'url']));
    expect(problems.some((p) => p.message.includes('extra'))).toBe(true);
  });

  it("refuses the id 'all', the OGC API - Records collection of every source", () => {
    expect(problemsOf(() => parseSource({ id: 'all', type: 'csw', url: 'https://example.org/csw' })).map((p) => p.path)).toEqual(['id']);
    expect(parseSource({ id: 'all-bretagne', type: 'csw', url: 'https://example.org/csw' }).id).toBe('all-bretagne');
  });

  it('checks URLs and folders in a second pass', () => {
    expect(problemsOf(() => parseSource({ id: 'x', type: 'csw', url: 'not a url' }))[0]).toMatchObject({ path: 'url' });
    expect(problemsOf(() => parseSource({ id: 'x', type: 'csw', url: 'file:///etc' }))[0].message).toContain('http');
    expect(problemsOf(() => parseSource({ id: 'x', type: 'directory', url: '/no/such/folder' }))[0].message).toContain('/no/such/folder');
  });

  it('resolves a relative directory against the base folder', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'moisson-src-'));
    mkdirSync(path.join(base, 'records'));
    expect(parseSource({ id: 'd', type: 'directory', url: 'records' }, { baseDir: base }).url).toBe(path.join(base, 'records'));
  });

  it('accepts a file:// URL, percent-encoding included', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'moisson src '));
    expect(parseSource({ id: 'd', type: 'directory', url: pathToFileURL(base).href }).url).toBe(base);
  });

  it('refuses a malformed cron schedule', () => {
    expect(problemsOf(() => parseSource({ id: 'x', type: 'csw', url: 'https://a.fr/csw', schedule: 'daily' }))[0].path).toBe('schedule');
  });
});

describe('seeds', () => {
  it('the shipped seeds validate: an enabled offline demo and the real French sources disabled', () => {
    const defs = loadSeedSources(defaultSeedsDir);
    const demo = defs.find((d) => d.id === 'demo')!;
    expect(demo).toMatchObject({ type: 'directory', enabled: true });
    expect(demo.url).toBe(path.join(defaultSeedsDir, 'demo'));
    const real = defs.filter((d) => d.id !== 'demo');
    expect(real.length).toBeGreaterThanOrEqual(20);
    expect(real.every((d) => !d.enabled)).toBe(true);
    expect(real.map((d) => d.id)).toEqual(expect.arrayContaining(['geoplateforme', 'data-gouv-fr', 'geobretagne', 'craig', 'openig']));
  });

  it('a seeds file with problems reports all of them, with file and index', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-seeds-'));
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [
      { id: 'a', type: 'csw', url: 'https://a.fr/csw' },
      { id: 'a', type: 'csw', url: 'https://b.fr/csw' },
      { id: 'c', type: 'nope', url: 'https://c.fr' },
    ] }));
    const problems = problemsOf(() => loadSeedSources(dir));
    expect(problems.map((p) => p.path)).toEqual(['sources.json#sources[1].id', 'sources.json#sources[2].type']);
  });
});
