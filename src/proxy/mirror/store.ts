/**
 * The download mirror on disk (`options.mirror: true` on an atom-download service): each upstream file is
 * kept once under `<DATA_DIR>/downloads/<service>/<2 hex>/<sha256 of the upstream URL>` with a JSON sidecar
 * (`….json`: URL, size, SHA-256, the checksum the feed announced, media type, Content-Disposition,
 * Last-Modified, fetch time). Names are hashes so that no part of a URL ever becomes a path on disk.
 *
 * Integrity: a copy is written to a temp file and renamed into place only once its size and checksum are
 * verified (fill.ts); before a copy is first served by this process its SHA-256 is recomputed (streamed), and
 * a copy whose bytes no longer match, or that the feed now announces with another size or checksum, is
 * deleted and fetched again: a corrupt copy is never served.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import type { AnnouncedFile } from '../services/download-feed.ts';

export interface MirrorEntry {
  url: string;
  size: number;
  sha256: string;
  /** The checksum the feed announced and the copy was verified against, when there was one. */
  announced?: AnnouncedFile['checksum'];
  /** The length the feed announced, when there was one (it matched). */
  announcedLength?: number;
  contentType?: string;
  contentDisposition?: string;
  lastModified?: string;
  /** The upstream's ETag of the file, for conditional revalidation. */
  etag?: string;
  fetchedAt: string;
  /** When the upstream last confirmed the copy (revalidation); fetchedAt until then. */
  checkedAt?: string;
}

export interface MirrorHit {
  entry: MirrorEntry;
  file: string;
  /** The entity tag the hub serves the copy with (from its SHA-256). */
  etag: string;
}

export interface MirrorLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Upstream URLs a feed announced (with length / checksum), remembered for a while to verify copies. */
const ANNOUNCED_MAX = 100_000;

export class MirrorStore {
  private readonly announced = new LRUCache<string, AnnouncedFile>({ max: ANNOUNCED_MAX });
  /** Copies whose SHA-256 this process has checked, by file and (size, mtime): checked once, not per request. */
  private readonly verified = new LRUCache<string, string>({ max: 100_000 });

  constructor(readonly root: string, private readonly logger: MirrorLogger) {}

  /** Remembers what a feed announces about a file of a service (called while its feed is rewritten). */
  announce(serviceId: string, file: AnnouncedFile): void {
    if (file.length === undefined && !file.checksum) return;
    this.announced.set(`${serviceId} ${file.url.href}`, file);
  }

  announcedFor(serviceId: string, url: URL): AnnouncedFile | undefined {
    return this.announced.get(`${serviceId} ${url.href}`);
  }

  /** Where the copy of a URL lives (and its temp folder), from a hash of the URL. */
  pathsOf(serviceId: string, url: URL): { file: string; meta: string; tmpDir: string } {
    const h = createHash('sha256').update(url.href).digest('hex');
    const dir = path.join(this.root, serviceId);
    const file = path.join(dir, h.slice(0, 2), h);
    return { file, meta: `${file}.json`, tmpDir: path.join(dir, '.tmp') };
  }

  /** A verified copy of the URL, or null (missing, incomplete, stale or corrupt: those are deleted). */
  async lookup(serviceId: string, url: URL): Promise<MirrorHit | null> {
    const { file, meta } = this.pathsOf(serviceId, url);
    let entry: MirrorEntry;
    let size: number;
    let mtime: number;
    try {
      entry = JSON.parse(await readFile(meta, 'utf8')) as MirrorEntry;
      const st = await stat(file);
      size = st.size;
      mtime = st.mtimeMs;
    } catch {
      return null;
    }
    const problem = await this.problemOf(serviceId, url, entry, file, size, mtime);
    if (problem) {
      this.logger.warn({ service: serviceId, url: url.href, file, problem }, 'mirrored copy discarded; it will be fetched again');
      await this.remove(serviceId, url);
      return null;
    }
    return { entry, file, etag: `"sha256-${entry.sha256.slice(0, 32)}"` };
  }

  private async problemOf(serviceId: string, url: URL, entry: MirrorEntry, file: string, size: number, mtime: number): Promise<string | null> {
    if (entry.url !== url.href) return `sidecar names another URL (${entry.url})`;
    if (size !== entry.size) return `size on disk ${size} differs from the recorded ${entry.size}`;
    const now = this.announcedFor(serviceId, url);
    if (now?.length !== undefined && now.length !== entry.size) return `the feed now announces ${now.length} bytes, the copy has ${entry.size}`;
    if (now?.checksum && (now.checksum.algorithm !== entry.announced?.algorithm || now.checksum.value !== entry.announced.value)) {
      return `the feed now announces ${now.checksum.algorithm} ${now.checksum.value}`;
    }
    const stamp = `${size}:${mtime}`;
    if (this.verified.get(file) === stamp) return null;
    const actual = await sha256OfFile(file);
    if (actual !== entry.sha256) return `SHA-256 on disk ${actual} differs from the recorded ${entry.sha256}`;
    this.verified.set(file, stamp);
    return null;
  }

  /** Deletes the copy of a URL (data and sidecar). */
  async remove(serviceId: string, url: URL): Promise<void> {
    const { file, meta } = this.pathsOf(serviceId, url);
    this.verified.delete(file);
    await unlink(meta).catch(() => undefined);
    await unlink(file).catch(() => undefined);
  }

  /** A fresh temp file name for a copy being written (same file system as the copy, for an atomic rename). */
  async tempFile(serviceId: string, url: URL): Promise<string> {
    const { tmpDir } = this.pathsOf(serviceId, url);
    await mkdir(tmpDir, { recursive: true });
    return path.join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
  }

  /** Writes the sidecar of a copy atomically (a temp file renamed into place): at fill, and when revalidated. */
  async writeEntry(serviceId: string, url: URL, entry: MirrorEntry): Promise<void> {
    const tmp = `${await this.tempFile(serviceId, url)}.json`;
    await writeFile(tmp, JSON.stringify(entry, null, 2));
    await rename(tmp, this.pathsOf(serviceId, url).meta);
  }

  /** Moves a verified temp file into place, then writes its sidecar (a copy without sidecar is not served). */
  async commit(serviceId: string, url: URL, tmp: string, entry: MirrorEntry): Promise<void> {
    const { file, meta } = this.pathsOf(serviceId, url);
    await mkdir(path.dirname(file), { recursive: true });
    await unlink(meta).catch(() => undefined);
    await rename(tmp, file);
    const st = await stat(file);
    // Written just now from the bytes hashed on the way: no need to read them again before serving.
    this.verified.set(file, `${st.size}:${st.mtimeMs}`);
    await this.writeEntry(serviceId, url, entry);
    this.logger.info({ service: serviceId, url: url.href, size: entry.size, sha256: entry.sha256 }, 'file mirrored');
  }
}

/** SHA-256 of a file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
