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
import { mkdir, open, rename, rm, utimes, writeFile } from 'node:fs/promises';
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

/** Reads a tile's metadata and, when small enough, its bytes; null when absent or unreadable (then refetched). */
export async function readTile(file: string, bufferLimit: number): Promise<DiskTile | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const st = await fh.stat();
    const first = Buffer.allocUnsafe(Math.min(st.size, FIRST_READ));
    const { bytesRead } = await fh.read(first, 0, first.length, 0);
    if (bytesRead < PREFIX || !first.subarray(0, 4).equals(MAGIC)) return null;
    const headerEnd = PREFIX + first.readUInt32BE(4);
    if (headerEnd > bytesRead) return null;
    const meta = JSON.parse(first.subarray(PREFIX, headerEnd).toString('utf8')) as TileMeta;
    const size = st.size - headerEnd;
    let body: Buffer | null = null;
    if (size <= bufferLimit) {
      body = Buffer.allocUnsafe(size);
      const inFirst = Math.min(size, bytesRead - headerEnd);
      first.copy(body, 0, headerEnd, headerEnd + inFirst);
      if (inFirst < size) await fh.read(body, inFirst, size - inFirst, headerEnd + inFirst);
    }
    return { meta, fetchedAt: st.mtimeMs, size, body };
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
    const st = await fh.stat();
    const prefix = Buffer.alloc(PREFIX);
    await fh.read(prefix, 0, PREFIX, 0);
    if (!prefix.subarray(0, 4).equals(MAGIC)) throw new Error('not a tile file');
    const header = Buffer.alloc(prefix.readUInt32BE(4));
    await fh.read(header, 0, header.length, PREFIX);
    const meta = JSON.parse(header.toString('utf8')) as TileMeta;
    const start = PREFIX + header.length;
    return { meta, size: st.size - start, stream: fh.createReadStream({ start, autoClose: true }) };
  } catch {
    await fh.close();
    return null;
  }
}
