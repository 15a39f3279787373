/**
 * The `directory` harvester: a local folder of metadata files (seeds, demo data, exports dropped by a producer).
 *
 * `source.url` is a folder path (absolute, or relative to the process cwd) or a `file://` URL. The tree is walked
 * in a stable order (code-unit sort of the names at each level, depth first) so that two runs over the same
 * folder yield the same sequence. Only the list of paths is held in memory; files are read one at a time.
 */
import type { Dirent } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  HarvestError,
  throwIfAborted,
  type HarvestContext,
  type Harvester,
  type RawDocument,
  type SourceDef,
} from './types.ts';

/** Default per-file limit: a metadata document is a few hundred KB at most; 20 MB is already suspicious. */
export const DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024;

/** File extensions yielded, with the media type they get when the first bytes do not say better. */
export const DIRECTORY_EXTENSIONS: Readonly<Record<string, string>> = {
  '.xml': 'application/xml',
  '.rdf': 'application/rdf+xml',
  '.ttl': 'text/turtle',
  '.jsonld': 'application/ld+json',
  '.json': 'application/json',
  '.atom': 'application/atom+xml',
};

export interface DirectoryHarvesterOptions {
  /** Files bigger than this (bytes) are reported as skipped and never read. `source.options.maxFileSize` wins. */
  maxFileSize?: number;
}

/** JSON Schema of `source.options` for a directory source. */
export const DIRECTORY_OPTIONS_SCHEMA = {
  type: 'object',
  properties: { maxFileSize: { type: 'integer', minimum: 1, description: 'per-file limit in bytes' } },
} as const;

/** Resolves `source.url` (path relative to cwd, absolute path or file:// URL) to an absolute folder path. */
export function folderOf(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : resolve(process.cwd(), url);
}

/** Creates a directory harvester; the registry holds one with the defaults. */
export function createDirectoryHarvester(opts: DirectoryHarvesterOptions = {}): Harvester {
  return {
    type: 'directory',
    optionsSchema: DIRECTORY_OPTIONS_SCHEMA,
    harvest: (source, ctx) => harvestDirectory(source, ctx, maxFileSizeFor(source, opts)),
  };
}

function maxFileSizeFor(source: SourceDef, opts: DirectoryHarvesterOptions): number {
  const fromSource = source.options?.maxFileSize;
  if (typeof fromSource === 'number' && fromSource > 0) return fromSource;
  return opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
}

async function* harvestDirectory(source: SourceDef, ctx: HarvestContext, maxFileSize: number): AsyncGenerator<RawDocument> {
  const folder = folderOf(source.url);
  const files = await listFiles(folder, await openRoot(folder), ctx);
  ctx.total = files.length;
  for (const file of files) {
    throwIfAborted(ctx.signal);
    const doc = await readDocument(file, maxFileSize, ctx);
    if (doc) yield doc;
  }
}

/** Checks the folder exists and returns its real path (symlinks are judged against it). */
async function openRoot(folder: string): Promise<string> {
  let st;
  try {
    st = await stat(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new HarvestError('source_not_found', `Folder not found: ${folder}`, { cause: err });
    }
    throw new HarvestError('source_unreadable', `Cannot read folder ${folder}: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isDirectory()) throw new HarvestError('invalid_source', `Not a folder: ${folder}`);
  return realpath(folder);
}

/** What a walk carries: where it started, where symlinks may lead, the folders already walked, the result. */
interface Walk {
  folder: string;
  realRoot: string;
  visited: Set<string>;
  files: string[];
  ctx: HarvestContext;
}

/**
 * Paths of the harvestable files under `folder`, in walk order. Paths stay under `folder` as given (so that
 * URLs are relative to what the source says); `realRoot` is only used to judge where symlinks lead.
 */
async function listFiles(folder: string, realRoot: string, ctx: HarvestContext): Promise<string[]> {
  const w: Walk = { folder, realRoot, visited: new Set([realRoot]), files: [], ctx };
  await walk(w, folder);
  return w.files;
}

async function walk(w: Walk, dir: string): Promise<void> {
  throwIfAborted(w.ctx.signal);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const message = `Cannot read folder ${dir}: ${(err as Error).message}`;
    if (dir === w.folder) throw new HarvestError('source_unreadable', message, { cause: err });
    w.ctx.warn({ url: pathToFileURL(dir).href, message });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const kind = entry.isSymbolicLink() ? await followLink(w, path) : entryKind(entry);
    if (kind === 'file' && isHarvestable(path)) w.files.push(path);
    if (kind === 'dir') await walkOnce(w, path);
  }
}

/** Walks a sub-folder unless its real path was already walked (symlink loops, two links to one folder). */
async function walkOnce(w: Walk, path: string): Promise<void> {
  const real = await realpath(path);
  if (w.visited.has(real)) return;
  w.visited.add(real);
  await walk(w, path);
}

type EntryKind = 'file' | 'dir' | 'other';

function entryKind(entry: Dirent): EntryKind {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  return 'other';
}

/** A symlink is followed only when its target stays inside the harvested folder. */
async function followLink(w: Walk, path: string): Promise<EntryKind> {
  const url = pathToFileURL(path).href;
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    w.ctx.warn({ url, message: 'broken symbolic link skipped' });
    return 'other';
  }
  if (!isInside(w.realRoot, target)) {
    w.ctx.warn({ url, message: `symbolic link leaving the folder skipped (target ${target})` });
    return 'other';
  }
  const st = await lstat(target);
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

function isHarvestable(path: string): boolean {
  return extname(path).toLowerCase() in DIRECTORY_EXTENSIONS;
}

/** Reads one file, or reports it as skipped (too big, unreadable) and returns null. */
async function readDocument(path: string, maxFileSize: number, ctx: HarvestContext): Promise<RawDocument | null> {
  const url = pathToFileURL(path).href;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxFileSize) {
        ctx.warn({ url, skipped: true, message: `file too big: ${size} bytes (limit ${maxFileSize})` });
        return null;
      }
      const bytes = await handle.readFile();
      return { bytes, mediaType: mediaTypeOf(path, bytes), url, fetchedAt: new Date().toISOString() };
    } finally {
      await handle.close();
    }
  } catch (err) {
    ctx.warn({ url, skipped: true, message: `file unreadable: ${(err as Error).message}` });
    return null;
  }
}

/**
 * Media type from the extension, refined by the first bytes: `.xml` files holding RDF/XML or an Atom feed, and
 * `.json` files carrying a JSON-LD `@context`, get the specific type.
 */
export function mediaTypeOf(path: string, bytes: Buffer): string {
  const byExtension = DIRECTORY_EXTENSIONS[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const head = bytes.subarray(0, 4096).toString('latin1');
  if (byExtension === 'application/xml') {
    const root = rootLocalName(head);
    if (root === 'RDF') return 'application/rdf+xml';
    if (root === 'feed') return 'application/atom+xml';
  }
  if (byExtension === 'application/json' && head.includes('"@context"')) return 'application/ld+json';
  return byExtension;
}

/** Local name of the first element, skipping the prolog (declaration, comments, PIs, DOCTYPE). */
function rootLocalName(head: string): string | null {
  const body = head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![A-Z][^>]*>/g, '');
  const m = /<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(body);
  return m ? m[1] : null;
}
