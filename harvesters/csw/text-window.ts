/**
 * The text given to the parser so far, as the pieces it came in, from the first one still needed: offsets are
 * the parser's (UTF-16 indexes into the whole page). Slices across pieces are joined. Used by the page splitter
 * (split.ts), which keeps from the start of the record being read and lets go of the rest: a page of megabytes
 * is never held whole.
 */
export class TextWindow {
  private readonly pieces: string[] = [];
  /** Offset of each piece's first character in the page. */
  private readonly starts: number[] = [];
  private end = 0;

  /** Characters held: from the first piece kept to the end of the last one appended. */
  get held(): number {
    return this.end - (this.starts[0] ?? this.end);
  }

  append(piece: string): void {
    this.pieces.push(piece);
    this.starts.push(this.end);
    this.end += piece.length;
  }

  /** Drops the pieces that end before `offset`. */
  release(offset: number): void {
    let n = 0;
    while (n < this.pieces.length - 1 && this.starts[n + 1] <= offset) n++;
    this.pieces.splice(0, n);
    this.starts.splice(0, n);
  }

  slice(from: number, to: number): string {
    if (from < this.starts[0] || to > this.end) throw new RangeError(`text ${from}–${to} is not held (${this.starts[0]}–${this.end})`);
    let out = '';
    for (let i = this.pieceAt(from); i < this.pieces.length && this.starts[i] < to; i++) {
      out += this.pieces[i].slice(Math.max(0, from - this.starts[i]), to - this.starts[i]);
    }
    return out;
  }

  charCodeAt(offset: number): number {
    const i = this.pieceAt(offset);
    return i < 0 ? Number.NaN : this.pieces[i].charCodeAt(offset - this.starts[i]);
  }

  /** The offset of the last `char` before `offset` (inclusive), -1 when none is still held. */
  lastIndexOf(char: string, offset: number): number {
    for (let i = this.pieceAt(offset); i >= 0; i--) {
      const at = this.pieces[i].lastIndexOf(char, offset - this.starts[i]);
      if (at >= 0) return this.starts[i] + at;
    }
    return -1;
  }

  /** The index of the piece holding `offset`, -1 when it was released or not read yet. */
  private pieceAt(offset: number): number {
    if (offset < (this.starts[0] ?? 0) || offset >= this.end) return -1;
    let i = this.pieces.length - 1;
    while (this.starts[i] > offset) i--;
    return i;
  }
}
