/**
 * One gzip member (RFC 1952) assembled from pieces compressed ahead of time, without compressing the whole again:
 * how pigz writes in parallel. Each piece is a raw DEFLATE stream (RFC 1951) ended by a sync flush instead of a
 * final block, so it stops on a byte boundary and the decoder reads straight on into the next piece; the member
 * ends with a final block compressed at the end. The trailer's CRC-32 of the whole is combined from the pieces'
 * own CRC-32s and lengths (zlib's crc32_combine, in GF(2) polynomial arithmetic), the data is never read again.
 *
 * A GetRecords page of ten stored ISO records costs a copy of ~30 KB instead of UTF-8-decoding, re-encoding and
 * compressing ~120 KB.
 */
import { constants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** A piece of the member: its raw DEFLATE bytes (sync-flushed), and the CRC-32 and length of what they inflate to. */
export interface DeflatePiece {
  deflate: Buffer;
  crc: number;
  length: number;
}

/** The CRC-32 polynomial, reflected (zlib's). */
const POLY = 0xedb88320;

/** a(x)·b(x) mod p(x), in the reflected bit order of CRC-32 (x^0 is the top bit). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) mod p(x) for k = 0..31. */
const X2N: number[] = (() => {
  const table: number[] = [];
  let p = 0x40000000; // x^1
  for (let k = 0; k < 32; k++) {
    table.push(p);
    p = multModP(p, p);
  }
  return table;
})();

/** x^(n·2^k) mod p(x). */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n & 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}

/** A piece made of these bytes, compressed now (a record written on demand). */
export function deflatePiece(data: Buffer, level = 1): DeflatePiece {
  return { deflate: deflateRawSync(data, { level, finishFlush: constants.Z_SYNC_FLUSH }), crc: crc32(data), length: data.length };
}

/** The largest stored block (its LEN field is 16 bits). */
const STORED_MAX = 0xffff;

/**
 * `data` as stored (uncompressed) DEFLATE blocks (RFC 1951 §3.2.4), the last one final when `final`. For the few
 * hundred bytes of an answer's envelope: no compressor to set up per request (zlib allocates ~300 KB of state).
 */
function storedBlocks(data: Buffer, final: boolean): Buffer {
  const blocks: Buffer[] = [];
  let at = 0;
  do {
    const n = Math.min(STORED_MAX, data.length - at);
    const last = at + n >= data.length;
    const head = Buffer.allocUnsafe(5);
    // BFINAL, BTYPE=00, then padding to the byte: the previous piece ended on a byte boundary (sync flush).
    head[0] = final && last ? 1 : 0;
    head.writeUInt16LE(n, 1);
    head.writeUInt16LE(~n & 0xffff, 3);
    blocks.push(head, data.subarray(at, at + n));
    at += n;
  } while (at < data.length);
  return Buffer.concat(blocks);
}

/** A piece made of these bytes as they are (stored blocks, not compressed): for the small parts of an answer. */
export function storedPiece(data: Buffer): DeflatePiece {
  return { deflate: storedBlocks(data, false), crc: crc32(data), length: data.length };
}

/** gzip header: magic, CM=8 (deflate), no flags, no mtime, XFL=0, OS=255 (unknown). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** One gzip member of the pieces in order, then `tail` (a few bytes, stored in the final block). */
export function gzipStitch(pieces: readonly DeflatePiece[], tail: Buffer): Buffer {
  let crc = 0;
  let length = 0;
  for (const p of pieces) {
    crc = length === 0 ? p.crc >>> 0 : crc32Combine(crc, p.crc, p.length);
    length += p.length;
  }
  crc = crc32(tail, crc);
  length += tail.length;
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  // ISIZE is the length modulo 2^32 (RFC 1952 §2.3.1).
  trailer.writeUInt32LE(length % 0x100000000, 4);
  return Buffer.concat([HEADER, ...pieces.map((p) => p.deflate), storedBlocks(tail, true), trailer]);
}

/**
 * A piece as stored (catalogue.iso_gz): CRC-32 (4 bytes, big-endian), length (4 bytes, big-endian), then the raw
 * DEFLATE bytes. Compressed at level 6 once, when written, so it is smaller than a per-request level 1.
 */
export function packPiece(data: Buffer): Buffer {
  const deflate = deflateRawSync(data, { level: 6, finishFlush: constants.Z_SYNC_FLUSH });
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32BE(crc32(data) >>> 0, 0);
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, deflate]);
}

/** The piece a packPiece buffer holds (a view, no copy); null when it is too short to be one. */
export function unpackPiece(packed: Buffer): DeflatePiece | null {
  if (packed.length < 8) return null;
  return { crc: packed.readUInt32BE(0), length: packed.readUInt32BE(4), deflate: packed.subarray(8) };
}

/** The text a packPiece buffer holds (UTF-8), checked against its length and CRC-32; null when it is not one. */
export function inflatePiece(packed: Buffer): string | null {
  const piece = unpackPiece(packed);
  if (!piece) return null;
  // A piece ends with a sync flush, not a final block: inflate what is there without asking for the end.
  const data = inflateRawSync(piece.deflate, { finishFlush: constants.Z_SYNC_FLUSH });
  if (data.length !== piece.length || (crc32(data) >>> 0) !== piece.crc) return null;
  return data.toString('utf8');
}
