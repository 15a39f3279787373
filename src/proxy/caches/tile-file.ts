/**
 * One cached tile on disk: `<DATA_DIR>/tiles/<service>/<layer>/<matrixSet>/<z>/<x>/<y>.<ext>`.
 *
 * The file holds its own metadata in front of the tile bytes — `MTL1`, a 4-byte big-endian header length, a
 * JSON header (ETag, Last-Modified, content type, the upstream's validators), then the bytes as the upstream
 * sent them — so that one rename replaces bytes and metadata together (a sidecar file would need two renames,
 * and a reader between them would pair new bytes with an old ETag). The file's mtime is the time the tile was
 * fetched or last revalidated upstream: a 304 upstream only touches it.
 * Writes go to a temporary file in the same folder, then rename(2): readers see the old tile or the new one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import path from 'node:path';

export interface TileMeta {
  /** Strong ETag of the bytes, quoted. */
  etag: string;
  /** HTTP date: the upstream's Last-Modified, else the time of the fetch. */
  lastModified: string;
  contentType: string;
  upstreamEtag?: string;
  upstreamLastModified?: string;
}

export interface DiskTile {
  meta: TileMeta;
  /** ms since the epoch: fetched or revalidated upstream. */
  fetchedAt: number;
  /** Size of the tile bytes (not the file). */
  size: number;
  /** The bytes, when the tile is at most `bufferLimit` bytes; otherwise null and `stream()` reads them. */
  body: Buffer | null;
}

const MAGIC = Buffer.from('MTL1');
const PREFIX = 8;
/** A header is a few hundred bytes; the first read takes it and, for most tiles, the whole body. */
const FIRST_READ = 64 * 1024;

/** Strong ETag: a hash of the bytes, so the same tile keeps its ETag across revalidations and restarts. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Path of a tile under the cache root; every segment has been validated by parseTilePath. */
export function tilePath(root: string, key: string): string {
  return path.join(root, ...key.split('/'));
}

function encode(meta: TileMeta, body: Buffer): Buffer {
  const header = Buffer.from(JSON.stringify(meta));
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32BE(header.length, 4);
  return Buffer.concat([prefix, header, body]);
}

/** Writes a tile atomically (temporary file + rename). */
export async function writeTile(file: string, meta: TileMeta, body: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, encode(meta, body));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Marks a tile as just revalidated (the upstream answered 304). */
export async function touchTile(file: string, at = new Date()): Promise<void> {
  await utimes(file, at, at);
}

export async function removeTile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** An open tile file's metadata, where its bytes start, and its first bytes as read (part of the body, often all). */
interface TileHead {
  meta: TileMeta;
  size: number;
  /** The file's mtime: when the tile was fetched or last revalidated. */
  fetchedAt: number;
  bodyStart: number;
  first: Buffer;
}

/** Reads the prefix and metadata header of an open tile file (one read when the header fits in FIRST_READ). */
async function readHead(fh: FileHandle): Promise<TileHead | null> {
  const st = await fh.stat();
  let first = Buffer.allocUnsafe(Math.min(st.size, FIRST_READ));
  const { bytesRead } = await fh.read(first, 0, first.length, 0);
  first = first.subarray(0, bytesRead);
  if (bytesRead < PREFIX || !first.subarray(0, 4).equals(MAGIC)) return null;
  const bodyStart = PREFIX + first.readUInt32BE(4);
  if (bodyStart > st.size) return null;
  let header = first.subarray(PREFIX, Math.min(bodyStart, bytesRead));
  if (bodyStart > bytesRead) {
    header = Buffer.allocUnsafe(bodyStart - PREFIX);
    await fh.read(header, 0, header.length, PREFIX);
  }
  const meta = JSON.parse(header.toString('utf8')) as TileMeta;
  return { meta, size: st.size - bodyStart, fetchedAt: st.mtimeMs, bodyStart, first: first.subarray(Math.min(bodyStart, bytesRead)) };
}

/** Reads a tile's metadata and, when small enough, its bytes; null when absent or unreadable (then refetched). */
export async function readTile(file: string, bufferLimit: number): Promise<DiskTile | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = await readHead(fh);
    if (!head) return null;
    let body: Buffer | null = null;
    if (head.size <= bufferLimit) {
      body = Buffer.allocUnsafe(head.size);
      const inFirst = head.first.copy(body, 0);
      if (inFirst < head.size) await fh.read(body, inFirst, head.size - inFirst, head.bodyStart + inFirst);
    }
    return { meta: head.meta, fetchedAt: head.fetchedAt, size: head.size, body };
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/**
 * Streams a large tile's bytes from disk (never buffered whole). The file is opened once: a concurrent
 * replacement (rename) does not change what this stream reads.
 */
export async function streamTile(file: string): Promise<{ meta: TileMeta; size: number; stream: Readable } | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = await readHead(fh);
    if (!head) throw new Error('not a tile file');
    return { meta: head.meta, size: head.size, stream: fh.createReadStream({ start: head.bodyStart, autoClose: true }) };
  } catch {
    await fh.close();
    return null;
  }
}
