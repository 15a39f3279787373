/**
 * Streaming rewrite of INSPIRE Atom download feeds (TG Download Services 3.1) and their OpenSearch
 * descriptions, so that every reference to the registered upstream origin points at the hub.
 *
 * What is rewritten (when it is on the registered origin; other hosts are left unchanged, on purpose: the hub
 * only proxies what is registered):
 *   - atom:link/@href and atom:content/@src, resolved against xml:base and the document URL (a relative
 *     reference becomes an absolute hub URL), and xml:base itself;
 *   - the text of atom:id, atom:icon, atom:logo (INSPIRE feeds use the feed's or the file's URL as id);
 *   - OpenSearch 1.1 Url/@template (the INSPIRE search and describe-spatial-dataset templates, whose
 *     `{inspire_dls:…?}` placeholders are kept verbatim).
 * What is kept: inspire_dls:spatial_dataset_identifier_namespace / _code (identifiers, not locations: changing
 * them would change which dataset the feed names), every other element, attribute, comment and PI.
 *
 * How: saxes (namespace-aware; it never reads a DTD, and a DOCTYPE declaring entities is refused) parses the
 * decoded text chunk by chunk and the events are written back as UTF-8, so memory stays bounded by the
 * largest element, not the feed. The root element decides: atom:feed, atom:entry or OpenSearchDescription are
 * rewritten; any other XML is passed on byte for byte (`mode` resolves to 'verbatim').
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { DownloadUrls } from './download-urls.ts';

export const NS_ATOM = 'http://www.w3.org/2005/Atom';
export const NS_OPENSEARCH = 'http://a9.com/-/spec/opensearch/1.1/';
const NS_XML = 'http://www.w3.org/XML/1998/namespace';

/** What a file link of a feed announces: used to verify mirrored copies. */
export interface AnnouncedFile {
  url: URL;
  /** The link's media type (`type`), as written. */
  type?: string;
  length?: number;
  checksum?: { algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512'; value: string };
}

export interface FeedRewriteOptions {
  urls: DownloadUrls;
  /** The upstream URL of this document (base of relative references). */
  documentUrl: URL;
  /** Called for every atom:link with an href (resolved), with the size or checksum the feed announces. */
  onLink?: (file: AnnouncedFile) => void;
  /** Bytes read before giving up on finding the root element (then the document passes verbatim). */
  sniffLimit?: number;
  maxDepth?: number;
}

export type FeedMode = 'rewrite' | 'verbatim';

const REWRITTEN_ROOTS = new Set([`{${NS_ATOM}}feed`, `{${NS_ATOM}}entry`, `{${NS_OPENSEARCH}}OpenSearchDescription`]);
const URL_TEXT = new Set(['id', 'icon', 'logo']);
const CHECKSUM_IN_TEXT = /\b(md5|sha-?1|sha-?256|sha-?512)\s*[:=]?\s*([0-9a-f]{32,128})\b/i;
const HEX_LENGTH: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** A Transform from the upstream bytes to the rewritten document (UTF-8), deciding at the root element. */
export class FeedRewriter extends Transform {
  /** Resolves once the root element is seen (or the sniff limit / end is reached); rejects if the stream fails first. */
  readonly mode: Promise<FeedMode>;
  private resolveMode!: (m: FeedMode) => void;
  private rejectMode!: (err: Error) => void;
  private state: 'sniff' | FeedMode = 'sniff';
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private decoder: TextDecoder | null = null;
  private out = '';
  private readonly parser: SaxesParser<{ xmlns: true; position: true }>;
  private readonly bases: URL[] = [];
  private textOf: { local: string; text: string } | null = null;
  private depth = 0;

  constructor(private readonly opts: FeedRewriteOptions) {
    super();
    this.mode = new Promise((resolve, reject) => {
      this.resolveMode = resolve;
      this.rejectMode = reject;
    });
    // Read by whoever waits for the decision; an error after it is the stream's own 'error' event.
    this.mode.catch(() => undefined);
    this.parser = new SaxesParser({ xmlns: true, position: true });
    this.listen();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.state === 'verbatim') return done(null, chunk);
    try {
      if (this.state === 'sniff') {
        this.held.push(chunk);
        this.heldBytes += chunk.length;
      }
      this.decoder ??= new TextDecoder(encodingOf(Buffer.concat(this.held)));
      this.parse(this.decoder.decode(chunk, { stream: true }));
      if (this.state === 'sniff' && this.heldBytes > (this.opts.sniffLimit ?? 1024 * 1024)) this.decide('verbatim');
      this.flushOut();
      done();
    } catch (err) {
      done(this.positioned(err));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.state !== 'verbatim') {
        this.parse(this.decoder?.decode() ?? '', true);
        if (this.state === 'sniff') this.decide('verbatim');
      }
      this.flushOut();
      done();
    } catch (err) {
      done(this.positioned(err));
    }
  }

  override _destroy(err: Error | null, done: (e: Error | null) => void): void {
    if (err) this.rejectMode(err);
    else this.resolveMode(this.state === 'sniff' ? 'verbatim' : this.state);
    done(err);
  }

  /** Feeds the parser; once the document is known not to be a feed, its errors are none of the hub's business. */
  private parse(text: string, end = false): void {
    try {
      this.parser.write(text);
      if (end) this.parser.close();
    } catch (err) {
      if (this.state !== 'verbatim') throw err;
    }
  }

  private decide(mode: FeedMode): void {
    if (this.state !== 'sniff') return;
    this.state = mode;
    if (mode === 'verbatim') {
      for (const b of this.held) this.push(b);
      this.out = '';
    }
    this.held.length = 0;
    this.resolveMode(mode);
  }

  private flushOut(): void {
    if (this.state === 'rewrite' && this.out) {
      this.push(Buffer.from(this.out, 'utf8'));
      this.out = '';
    }
  }

  private positioned(err: unknown): Error {
    const e = err as Error;
    return new Error(`Feed ${this.opts.documentUrl.href} is not well-formed XML (line ${this.parser.line}, column ${this.parser.column}): ${e.message}`, { cause: err });
  }

  private listen(): void {
    const p = this.parser;
    p.on('xmldecl', (d) => { this.out += `<?xml version="${d.version ?? '1.0'}" encoding="UTF-8"${d.standalone ? ` standalone="${d.standalone}"` : ''}?>\n`; });
    p.on('doctype', (d) => {
      // Entities are never expanded: such a document is not an Atom feed anyway, and it passes byte for byte.
      if (/<!ENTITY/i.test(d)) return this.decide('verbatim');
      this.out += `<!DOCTYPE${d}>`;
    });
    p.on('processinginstruction', (pi) => { this.out += `<?${pi.target}${pi.body ? ` ${pi.body}` : ''}?>`; });
    // saxes reports no text outside the root element: a line break keeps prolog comments on their own lines.
    p.on('comment', (c) => { this.out += `<!--${c}-->${this.depth === 0 ? '\n' : ''}`; });
    p.on('text', (t) => this.text(t));
    p.on('cdata', (t) => {
      if (this.textOf) this.textOf.text += t;
      else this.out += `<![CDATA[${t.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
    });
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', (tag) => this.close(tag));
  }

  private text(t: string): void {
    if (this.textOf) this.textOf.text += t;
    else if (this.depth > 0) this.out += escapeText(t);
    else if (t.trim() === '') this.out += t;
  }

  private open(tag: SaxesTagNS): void {
    if (this.depth === 0 && this.state === 'sniff') this.decide(REWRITTEN_ROOTS.has(`{${tag.uri}}${tag.local}`) ? 'rewrite' : 'verbatim');
    if (this.state === 'verbatim') return;
    if (++this.depth > (this.opts.maxDepth ?? 256)) throw new Error(`elements nested deeper than ${this.opts.maxDepth ?? 256}`);
    const parent = this.bases.at(-1) ?? this.opts.documentUrl;
    const xmlBase = Object.values(tag.attributes).find((a) => a.uri === NS_XML && a.local === 'base');
    this.bases.push(xmlBase ? safeUrl(xmlBase.value, parent) ?? parent : parent);
    let attrs = '';
    for (const a of Object.values(tag.attributes)) {
      attrs += ` ${a.name}="${escapeAttr(this.attributeValue(tag, a.uri, a.local, a.value, parent))}"`;
    }
    if (tag.uri === NS_ATOM && tag.local === 'link') this.announce(tag);
    this.out += `<${tag.name}${attrs}${tag.isSelfClosing ? '/>' : '>'}`;
    if (!tag.isSelfClosing && tag.uri === NS_ATOM && URL_TEXT.has(tag.local)) this.textOf = { local: tag.local, text: '' };
  }

  private close(tag: SaxesTagNS): void {
    if (this.state === 'verbatim') return;
    this.depth--;
    this.bases.pop();
    if (tag.isSelfClosing) return;
    if (this.textOf) {
      const raw = this.textOf.text;
      const rewritten = this.opts.urls.hubUrl(raw, this.bases.at(-1) ?? this.opts.documentUrl);
      // Only absolute identifiers are rewritten: a relative or non-URL atom:id (urn:, tag:) is not a location.
      this.out += escapeText(rewritten !== null && /^\s*https?:/i.test(raw) ? rewritten : raw);
      this.textOf = null;
    }
    this.out += `</${tag.name}>`;
  }

  private attributeValue(tag: SaxesTagNS, uri: string, local: string, value: string, parent: URL): string {
    const { urls } = this.opts;
    if (uri === NS_XML && local === 'base') return urls.hubUrl(value, parent) ?? value;
    if (uri !== '') return value;
    if (tag.uri === NS_ATOM && ((tag.local === 'link' && local === 'href') || (tag.local === 'content' && local === 'src'))) {
      return urls.hubUrl(value, this.bases.at(-1)!) ?? value;
    }
    if (tag.uri === NS_OPENSEARCH && tag.local === 'Url' && local === 'template') return urls.hubTemplate(value) ?? value;
    return value;
  }

  /** Reports a link's target with its announced `length` and a checksum found in its attributes or title. */
  private announce(tag: SaxesTagNS): void {
    const href = tag.attributes.href?.value;
    const url = href === undefined ? null : safeUrl(href, this.bases.at(-1)!);
    if (!url || !this.opts.onLink) return;
    const file: AnnouncedFile = { url };
    const type = tag.attributes.type?.value;
    if (type !== undefined) file.type = type;
    const length = Number(tag.attributes.length?.value);
    if (Number.isSafeInteger(length) && length >= 0 && tag.attributes.length?.value.trim() !== '') file.length = length;
    const checksum = checksumOf(Object.values(tag.attributes).filter((a) => a.local !== 'href').map((a) => `${a.local}=${a.value}`).join(' '));
    if (checksum) file.checksum = checksum;
    this.opts.onLink(file);
  }
}

/**
 * A checksum written next to a link: there is no INSPIRE element for it, so producers put it in the link's
 * title ("… SHA-256: 3f2a…") or in an extra attribute (`sha256="…"`, `checksum="md5:…"`).
 */
export function checksumOf(text: string): AnnouncedFile['checksum'] | undefined {
  const m = CHECKSUM_IN_TEXT.exec(text);
  if (!m) return undefined;
  const algorithm = m[1].toLowerCase().replace('-', '') as NonNullable<AnnouncedFile['checksum']>['algorithm'];
  const value = m[2].toLowerCase();
  return value.length === HEX_LENGTH[algorithm] ? { algorithm, value } : undefined;
}

/** The encoding of an XML document from its first bytes (BOM, then declaration; UTF-8 by default). */
export function encodingOf(head: Buffer): string {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const label = /^\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head.subarray(0, 256).toString('latin1'))?.[1];
  try {
    return label ? new TextDecoder(label).encoding : 'utf-8';
  } catch {
    throw new Error(`unsupported XML encoding "${label}"`);
  }
}

function safeUrl(raw: string, base: URL): URL | null {
  try {
    return new URL(raw.trim(), base);
  } catch {
    return null;
  }
}

function escapeText(t: string): string {
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(t: string): string {
  return escapeText(t).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
