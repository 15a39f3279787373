import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Combine, deflatePiece, gzipStitch, packPiece, storedPiece, unpackPiece } from '../../src/http/gzip-stitch.ts';

/** Text that compresses like XML does, with some random bytes so that nothing lines up by chance. */
function sample(i: number, size: number): Buffer {
  const words = `<gmd:title><gco:CharacterString>Plan local d'urbanisme n°${i} — Hérault</gco:CharacterString></gmd:title>`;
  return Buffer.concat([Buffer.from(words.repeat(Math.ceil(size / words.length)).slice(0, size)), randomBytes(i % 7)]);
}

describe('crc32Combine', () => {
  it('gives the CRC-32 of the concatenation, for any split and lengths', () => {
    for (const [a, b] of [[0, 0], [0, 5], [5, 0], [1, 1], [3, 1000], [4096, 17], [65_537, 250_000]]) {
      const x = randomBytes(a);
      const y = randomBytes(b);
      expect(crc32Combine(crc32(x), crc32(y), y.length)).toBe(crc32(Buffer.concat([x, y])));
    }
  });

  it('depends on the length of the second part', () => {
    const x = randomBytes(100);
    const y = Buffer.alloc(10);
    expect(crc32Combine(crc32(x), crc32(y), 10)).not.toBe(crc32Combine(crc32(x), crc32(y), 9));
  });
});

describe('gzipStitch', () => {
  it('makes one gzip member that inflates to the pieces and the tail in order', () => {
    const parts = [sample(1, 300), sample(2, 12_000), Buffer.alloc(0), sample(3, 70_000), sample(4, 1)];
    const tail = Buffer.from('</csw:SearchResults></csw:GetRecordsResponse>');
    const stored = parts.map((p) => unpackPiece(packPiece(p))!);
    const gz = gzipStitch([deflatePiece(Buffer.from('<?xml version="1.0"?><csw:GetRecordsResponse>')), ...stored], tail);
    const whole = Buffer.concat([Buffer.from('<?xml version="1.0"?><csw:GetRecordsResponse>'), ...parts, tail]);
    // Node's gunzip checks the trailer's CRC-32 and length.
    expect(gunzipSync(gz).equals(whole)).toBe(true);
    // And a decoder that is not zlib-in-Node: Python's gzip module (one member, checked trailer).
    const py = execFileSync('/usr/bin/python3', ['-c',
      'import gzip,sys; d=sys.stdin.buffer.read(); print(len(gzip.decompress(d)))'], { input: gz });
    expect(Number(py.toString().trim())).toBe(whole.length);
    // gzip(1) tests the member itself.
    execFileSync('gzip', ['-t'], { input: gz });
  });

  it('stores pieces and tails as they are, in blocks of at most 65,535 bytes', () => {
    const big = sample(7, 150_000);
    const tail = sample(8, 70_000);
    const gz = gzipStitch([storedPiece(Buffer.from('<a>')), storedPiece(Buffer.alloc(0)), storedPiece(big), unpackPiece(packPiece(big))!], tail);
    expect(gunzipSync(gz).equals(Buffer.concat([Buffer.from('<a>'), big, big, tail]))).toBe(true);
    execFileSync('gzip', ['-t'], { input: gz });
    // Three blocks for 150,000 bytes: 5 bytes of header each.
    expect(storedPiece(big).deflate.length).toBe(big.length + 15);
  });

  it('works with no piece at all and with an empty tail', () => {
    expect(gunzipSync(gzipStitch([], Buffer.from('abc'))).toString()).toBe('abc');
    const p = unpackPiece(packPiece(Buffer.from('only')))!;
    expect(gunzipSync(gzipStitch([p], Buffer.alloc(0))).toString()).toBe('only');
  });

  it('is refused by gunzip when a piece claims the wrong length (the trailer is checked)', () => {
    const p = unpackPiece(packPiece(sample(5, 500)))!;
    expect(() => gunzipSync(gzipStitch([{ ...p, length: p.length + 1 }], Buffer.from('x')))).toThrow();
  });
});

describe('packPiece / unpackPiece', () => {
  it('keeps the CRC-32 and length in front of the compressed bytes', () => {
    const data = sample(6, 5000);
    const piece = unpackPiece(packPiece(data))!;
    expect(piece.crc).toBe(crc32(data));
    expect(piece.length).toBe(data.length);
    expect(piece.deflate.length).toBeLessThan(data.length / 3);
    expect(unpackPiece(Buffer.alloc(7))).toBeNull();
  });
});
