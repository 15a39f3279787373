/**
 * Writing a mirrored copy while the file streams to its first client: a Transform that passes the upstream
 * bytes on unchanged and, on the way, hashes them (SHA-256, plus the feed's algorithm when it announced
 * another) and writes them to a temp file, waiting for the disk when it is slower than the network (so memory
 * stays bounded by a chunk or two). At the end the copy is checked, then renamed into place (store.commit).
 *
 * Checks, in order:
 *   - the byte count equals the upstream Content-Length (else the transfer was cut: no copy);
 *   - it equals the `length` the feed announced (else no copy, logged; the client still gets the upstream's
 *     bytes, as a plain proxy would: INSPIRE feeds' lengths are often stale);
 *   - the checksum the feed announced, when it did: on a mismatch the bytes are known to be wrong, so there is
 *     no copy AND the client's transfer is aborted before its last chunk (which is held back until the
 *     check), so that it cannot take the file for complete.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import type { AnnouncedFile } from '../services/download-feed.ts';
import type { MirrorEntry, MirrorLogger, MirrorStore } from './store.ts';

export interface FillOptions {
  store: MirrorStore;
  serviceId: string;
  url: URL;
  /** What the feed announced about this file, if it did. */
  announced?: AnnouncedFile;
  /** The upstream's Content-Length, when it sent one. */
  upstreamLength?: number;
  meta: Pick<MirrorEntry, 'contentType' | 'contentDisposition' | 'lastModified' | 'etag'>;
  logger: MirrorLogger;
}

export class MirrorFill extends Transform {
  private readonly sha256 = createHash('sha256');
  private readonly other: Hash | null;
  private bytes = 0;
  private pending: Buffer | null = null;
  private done = false;

  private constructor(private readonly opts: FillOptions, private readonly tmp: string, private readonly out: WriteStream) {
    super();
    const algorithm = opts.announced?.checksum?.algorithm;
    this.other = algorithm && algorithm !== 'sha256' ? createHash(algorithm) : null;
    out.on('error', (err) => this.destroy(err));
  }

  /** Opens the temp file of a new copy. */
  static async open(opts: FillOptions): Promise<MirrorFill> {
    const tmp = await opts.store.tempFile(opts.serviceId, opts.url);
    return new MirrorFill(opts, tmp, createWriteStream(tmp, { flags: 'wx' }));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, next: TransformCallback): void {
    this.sha256.update(chunk);
    this.other?.update(chunk);
    this.bytes += chunk.length;
    const previous = this.pending;
    this.pending = chunk;
    if (previous) this.push(previous);
    if (this.out.write(chunk)) next();
    else this.out.once('drain', () => next());
  }

  override _flush(next: TransformCallback): void {
    this.out.end(() => {
      void this.finish().then((fatal) => {
        if (fatal) return next(fatal);
        if (this.pending) this.push(this.pending);
        next();
      }, (err: Error) => next(err));
    });
  }

  override _destroy(err: Error | null, next: (e: Error | null) => void): void {
    if (!this.done) {
      this.out.destroy();
      void unlink(this.tmp).catch(() => undefined);
    }
    next(err);
  }

  /** Checks and commits the copy; returns the error to abort the client with when the checksum is wrong. */
  private async finish(): Promise<Error | null> {
    const { store, serviceId, url, announced, upstreamLength, logger } = this.opts;
    this.done = true;
    const sha256 = this.sha256.digest('hex');
    const digest = announced?.checksum ? (this.other ? this.other.digest('hex') : sha256) : undefined;
    const discard = async (problem: string) => {
      await unlink(this.tmp).catch(() => undefined);
      logger.warn({ service: serviceId, url: url.href, problem }, 'file not mirrored');
    };
    if (upstreamLength !== undefined && this.bytes !== upstreamLength) {
      await discard(`received ${this.bytes} bytes, the upstream announced ${upstreamLength}`);
    } else if (announced?.checksum && digest !== announced.checksum.value) {
      const problem = `${announced.checksum.algorithm} ${digest} differs from the ${announced.checksum.value} the feed announces`;
      await discard(problem);
      return new Error(`Service "${serviceId}": ${url.href}: ${problem}; transfer aborted.`);
    } else if (announced?.length !== undefined && announced.length !== this.bytes) {
      await discard(`received ${this.bytes} bytes, the feed announces ${announced.length}`);
    } else {
      const entry: MirrorEntry = { url: url.href, size: this.bytes, sha256, fetchedAt: new Date().toISOString(), ...defined(this.opts.meta) };
      if (announced?.checksum) entry.announced = announced.checksum;
      if (announced?.length !== undefined) entry.announcedLength = announced.length;
      await store.commit(serviceId, url, this.tmp, entry).catch((err: Error) => discard(`cannot store the copy: ${err.message}`));
    }
    return null;
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
