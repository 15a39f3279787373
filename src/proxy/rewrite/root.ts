/**
 * The root element of an XML answer, read before anything is sent: it says what the answer is (capabilities,
 * exception report, feature collection) and so how to relay it. Only the prolog and the root's start tag are
 * read (bounded); the bytes read are kept and given back in front of the rest of the body.
 *
 * For a WFS GetFeature answer only the root's start tag is rewritten (`next`, `previous`, `xsi:schemaLocation`):
 * the features after it are streamed byte for byte, never parsed.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { isSingleByte, sniffEncoding, DECLARATION_WINDOW } from './encoding.ts';
import { rewriteSchemaLocation } from './capabilities.ts';
import type { UrlRewriter } from './urls.ts';
import { isSchemaLocation, startTag } from './xml-out.ts';

/** How far into a document the root element may start (a DOCTYPE with an internal subset takes room). */
export const MAX_PROLOG_BYTES = 1024 * 1024;

export interface PeekedRoot {
  /** The root element, or undefined when the body is not XML (or its root could not be read). */
  tag?: SaxesTagNS;
  /** The document's encoding (WHATWG label). */
  encoding: string;
  /** Every byte read so far (the prolog, the root's start tag and whatever came in the same chunks). */
  head: Buffer;
  /** Byte offsets of the root's start tag in `head` (start of `<`, just after `>`), when they are known. */
  start?: number;
  end?: number;
  /** The body after `head`, unread. */
  rest: AsyncIterator<Buffer>;
}

/** Reads a body up to its root element's start tag. */
export async function peekRoot(body: AsyncIterable<Buffer>): Promise<PeekedRoot> {
  const rest = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let encoding: string | undefined;
  let reader: RootReader | undefined;
  for (;;) {
    const next = await rest.next();
    if (!next.done) {
      chunks.push(next.value);
      size += next.value.length;
      if (size < DECLARATION_WINDOW && !encoding) continue;
    }
    const head = Buffer.concat(chunks);
    encoding ??= sniffEncoding(head);
    reader ??= new RootReader(encoding);
    const found = reader.feed(head.subarray(reader.fedBytes), next.done === true);
    if (found || next.done || size > MAX_PROLOG_BYTES || reader.failed) {
      return { ...found, encoding, head, rest };
    }
  }
}

/** Feeds bytes to saxes until the root's start tag closes; knows the byte offsets for byte-compatible encodings. */
class RootReader {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  private readonly decoder: TextDecoder;
  /** Decoded so far, to turn saxes' character positions into byte offsets. */
  private text = '';
  private root: SaxesTagNS | undefined;
  /** saxes' position when the root's start tag closed (a character offset into `text`). */
  private endChar: number | undefined;
  fedBytes = 0;
  failed = false;

  constructor(private readonly encoding: string) {
    // latin1 for single-byte encodings: one character per byte, so positions are byte offsets (markup is ASCII).
    this.decoder = new TextDecoder(isSingleByte(encoding) ? 'latin1' : encoding, { ignoreBOM: true });
    this.parser.on('opentag', (tag) => {
      if (this.root) return;
      this.root = tag;
      this.endChar = this.parser.position;
    });
    this.parser.on('error', (err) => {
      if (!/unbound namespace prefix/i.test(err.message)) this.failed = true;
    });
  }

  feed(bytes: Buffer, last: boolean): { tag: SaxesTagNS; start?: number; end?: number } | undefined {
    this.fedBytes += bytes.length;
    const piece = this.decoder.decode(bytes, { stream: !last });
    this.text += piece;
    // Fed in slices, so that parsing stops soon after the root's start tag in a big first chunk.
    try {
      for (let i = 0; i < piece.length && this.root === undefined && !this.failed; i += 4096) {
        this.parser.write(piece.slice(i, i + 4096));
      }
    } catch {
      this.failed = true;
    }
    if (!this.root) return undefined;
    const endChar = this.endChar!;
    if (this.encoding.startsWith('utf-16')) return { tag: this.root };
    const startChar = this.text.lastIndexOf('<', endChar - 1);
    const toBytes = (chars: number) => (this.encoding === 'utf-8' ? Buffer.byteLength(this.text.slice(0, chars), 'utf8') : chars);
    return { tag: this.root, start: toBytes(startChar), end: toBytes(endChar) };
  }
}

/**
 * The GetFeature answer with its root start tag rewritten: `next` / `previous` (WFS 2.0 paging links) and the
 * xsi:schemaLocation (DescribeFeatureType URLs) become hub URLs; everything else is the upstream's bytes.
 * Without known offsets (UTF-16) the answer is relayed untouched.
 */
export async function* withRewrittenRoot(peeked: PeekedRoot, rw: UrlRewriter): AsyncGenerator<Buffer> {
  const { tag, start, end, head } = peeked;
  if (tag && start !== undefined && end !== undefined) {
    const rewritten = startTag(tag, (a) => {
      if ((a.local === 'next' || a.local === 'previous') && a.uri === '') return rw.rewrite(a.value) ?? a.value;
      if (isSchemaLocation(a)) return rewriteSchemaLocation(a.value, rw);
      return a.value;
    });
    yield head.subarray(0, start);
    yield Buffer.from(rewritten, isSingleByte(peeked.encoding) ? 'latin1' : 'utf8');
    yield head.subarray(end);
  } else {
    yield head;
  }
  yield* remaining(peeked.rest);
}

/** The bytes read while peeking followed by the rest of the body. */
export async function* replay(peeked: PeekedRoot): AsyncGenerator<Buffer> {
  yield peeked.head;
  yield* remaining(peeked.rest);
}

/** The rest of the body; stopped early (client gone), it destroys the body, which frees the upstream transfer. */
async function* remaining(rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let done = false;
  try {
    for (;;) {
      const next = await rest.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await rest.return?.();
  }
}
