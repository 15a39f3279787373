import { createHttpClient } from '../../harvesters/http.ts';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectoryHarvester, mediaTypeOf } from '../../harvesters/directory.ts';
import { HarvestError, type HarvestContext, type HarvestWarning } from '../../harvesters/types.ts';
import type { RawDocument } from '../../mappings/types.ts';
import type { SourceDef } from '../../src/store/sources.ts';

const CATALOGUE = fileURLToPath(new URL('../fixtures/harvest/catalogue/', import.meta.url));

function source(url: string, options?: Record<string, unknown>): SourceDef {
  return { id: 'dir', type: 'directory', url, enabled: true, ...(options ? { options } : {}) };
}

function context(signal = new AbortController().signal): HarvestContext & { warnings: HarvestWarning[] } {
  const warnings: HarvestWarning[] = [];
  return { signal, warnings, http: createHttpClient(), warn: (w) => warnings.push(w), incomplete: () => {} };
}

async function collect(src: SourceDef, ctx = context(), maxFileSize?: number): Promise<RawDocument[]> {
  const docs: RawDocument[] = [];
  for await (const d of createDirectoryHarvester({ maxFileSize }).harvest(src, ctx)) docs.push(d);
  return docs;
}

const relativeTo = (root: string) => (d: RawDocument) => relative(root, fileURLToPath(d.url));

describe('directory harvester', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'moisson-dir-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('walks the folder recursively in sorted order and yields the bytes verbatim with file:// urls', async () => {
    const ctx = context();
    const docs = await collect(source(CATALOGUE), ctx);
    expect(docs.map(relativeTo(CATALOGUE))).toEqual([
      'bad/iso19139-truncated.xml',
      'csw/pycsw-getrecordbyid-iso-full.xml',
      'dcat/geodcat-ap-2.0.0-dataset.rdf',
      'dcat/geodcat-ap-2.0.0-dataset.ttl',
      'iso/geobretagne-bano.xml',
      'iso/geopicardie-tache-urbaine.xml',
      'iso/owslib-iso-mi.xml',
      'iso/rennes-metropole-referentiel-adresse.xml',
      'other/geobretagne-featurecatalogue.xml',
    ]);
    expect(ctx.total).toBe(9);
    expect(ctx.warnings).toEqual([]);
    const bano = docs[4];
    expect(bano.url).toBe(pathToFileURL(join(CATALOGUE, 'iso/geobretagne-bano.xml')).href);
    expect(bano.nativeId).toBeUndefined();
    expect(Number.isNaN(Date.parse(bano.fetchedAt))).toBe(false);
    const { readFile } = await import('node:fs/promises');
    expect(bano.bytes.equals(await readFile(join(CATALOGUE, 'iso/geobretagne-bano.xml')))).toBe(true);
  });

  it('gives media types by extension, refined by the first bytes', async () => {
    const docs = await collect(source(CATALOGUE));
    const types = Object.fromEntries(docs.map((d) => [relativeTo(CATALOGUE)(d), d.mediaType]));
    expect(types['iso/geobretagne-bano.xml']).toBe('application/xml');
    expect(types['dcat/geodcat-ap-2.0.0-dataset.rdf']).toBe('application/rdf+xml');
    expect(types['dcat/geodcat-ap-2.0.0-dataset.ttl']).toBe('text/turtle');
    const sniff = (name: string, text: string) => mediaTypeOf(name, Buffer.from(text));
    expect(sniff('a.xml', '<?xml version="1.0"?>\n<!-- c --><rdf:RDF xmlns:rdf="x"/>')).toBe('application/rdf+xml');
    expect(sniff('a.xml', '<feed xmlns="http://www.w3.org/2005/Atom"/>')).toBe('application/atom+xml');
    expect(sniff('a.atom', '<feed/>')).toBe('application/atom+xml');
    expect(sniff('a.JSON', '{"@context": {}}')).toBe('application/ld+json');
    expect(sniff('a.json', '{"a": 1}')).toBe('application/json');
    expect(sniff('a.jsonld', '{}')).toBe('application/ld+json');
  });

  it('accepts a file:// URL and a path relative to the working directory', async () => {
    const byUrl = await collect(source(pathToFileURL(CATALOGUE).href));
    const byRelative = await collect(source(relative(process.cwd(), CATALOGUE)));
    expect(byUrl.map((d) => d.url)).toEqual(byRelative.map((d) => d.url));
    expect(byUrl).toHaveLength(9);
  });

  it('skips hidden files and folders and files of other extensions', async () => {
    await mkdir(join(tmp, '.git'));
    await writeFile(join(tmp, '.git', 'config.xml'), '<x/>');
    await writeFile(join(tmp, '.hidden.xml'), '<x/>');
    await writeFile(join(tmp, 'readme.txt'), 'hello');
    await writeFile(join(tmp, 'notes.XML'), '<x/>');
    const docs = await collect(source(tmp));
    expect(docs.map(relativeTo(tmp))).toEqual(['notes.XML']);
  });

  it('follows symlinks inside the folder and skips those leaving it, with a warning', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'moisson-outside-'));
    try {
      await writeFile(join(outside, 'secret.xml'), '<secret/>');
      await mkdir(join(tmp, 'real'));
      await writeFile(join(tmp, 'real', 'a.xml'), '<a/>');
      await symlink(join(outside, 'secret.xml'), join(tmp, 'escape.xml'));
      await symlink(outside, join(tmp, 'escape-dir'));
      await symlink(join(tmp, 'real', 'a.xml'), join(tmp, 'link.xml'));
      await symlink(tmp, join(tmp, 'real', 'loop'));
      const ctx = context();
      const docs = await collect(source(tmp), ctx);
      expect(docs.map(relativeTo(tmp))).toEqual(['link.xml', 'real/a.xml']);
      expect(ctx.warnings.map((w) => w.message)).toEqual([
        expect.stringContaining('symbolic link leaving the folder'),
        expect.stringContaining('symbolic link leaving the folder'),
      ]);
      expect(ctx.warnings.every((w) => !w.skipped)).toBe(true);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('reports a file over the size limit as skipped without reading it', async () => {
    await writeFile(join(tmp, 'big.xml'), Buffer.alloc(2048, 0x20));
    await writeFile(join(tmp, 'small.xml'), '<x/>');
    const ctx = context();
    const docs = await collect(source(tmp), ctx, 1024);
    expect(docs.map(relativeTo(tmp))).toEqual(['small.xml']);
    expect(ctx.warnings).toEqual([
      { url: pathToFileURL(join(tmp, 'big.xml')).href, skipped: true, message: 'file too big: 2048 bytes (limit 1024)' },
    ]);
    expect(ctx.total).toBe(2);
    const viaOptions = await collect(source(tmp, { maxFileSize: 4096 }), context(), 1024);
    expect(viaOptions).toHaveLength(2);
  });

  it('fails with a HarvestError naming the folder when it does not exist', async () => {
    const missing = join(tmp, 'nope');
    const err = await collect(source(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarvestError);
    expect((err as HarvestError).code).toBe('source_not_found');
    expect((err as Error).message).toBe(`Folder not found: ${missing}`);
  });

  it('fails when the url is a file, not a folder', async () => {
    await writeFile(join(tmp, 'a.xml'), '<a/>');
    const err = await collect(source(join(tmp, 'a.xml'))).catch((e: unknown) => e);
    expect((err as HarvestError).code).toBe('invalid_source');
  });

  it('stops with an aborted HarvestError when the signal fires', async () => {
    await cp(CATALOGUE, tmp, { recursive: true });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async () => {
      for await (const d of createDirectoryHarvester().harvest(source(tmp), context(controller.signal))) {
        seen.push(d.url);
        controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'HarvestError', code: 'aborted' });
    expect(seen).toHaveLength(1);
  });
});
