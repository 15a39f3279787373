/**
 * Streaming rewrite of a capabilities document (WMS 1.1.1/1.3.0, WFS 2.0, WMTS 1.0 KVP and REST): saxes events
 * in, the same document out (UTF-8), with every upstream URL turned into a hub URL (see urls.ts for the mapping):
 *
 * - `xlink:href` everywhere (OnlineResource of the Service and of Request/DCPType, LegendURL, Style, MetadataURL,
 *   ows:Get / ows:Post, ServiceMetadataURL…); inside a DCP (`DCPType`, `ows:DCP`) a URL on another host is the
 *   service's own address too and becomes the hub's endpoint;
 * - WMTS `ResourceURL/@template` (placeholders kept as they are);
 * - the locations (not the namespaces) of `xsi:schemaLocation`;
 * - character data that is one URL on the upstream's origin (ows:Constraint values, inspire_common:URL…), except
 *   in elements that hold names or identifiers.
 *
 * The document is never held whole: a 1.5 MB WMTS capabilities (swisstopo) goes through in chunks. The
 * upstream paths it now points at through `/-/` are reported to a PathRecorder (paths.ts), and the document
 * reported complete once it has been read to its end.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { sniffEncoding, DECLARATION_WINDOW } from './encoding.ts';
import type { PathRecorder } from './paths.ts';
import type { UrlRewriter } from './urls.ts';
import { cdata, escapeText, isSchemaLocation, isXlink, startTag, xmlDeclaration } from './xml-out.ts';

/** Elements whose text is a name or an identifier, never a link to follow (even when it looks like a URL). */
const IDENTIFIER_ELEMENTS = new Set(['Identifier', 'Name', 'Keyword', 'Namespace', 'Title', 'Abstract']);
/** Elements below which an operation's address sits (WMS DCPType, OWS DCP). */
const DCP_ELEMENTS = new Set(['DCPType', 'DCP']);
/** saxes reports undeclared prefixes (xlink: in WMS 1.1.1, declared by its DTD) as errors; they are harmless here. */
const UNBOUND_PREFIX = /unbound namespace prefix/i;

/** The rewritten value of an xsi:schemaLocation: every second token (the locations) on the upstream's origin. */
export function rewriteSchemaLocation(value: string, rw: UrlRewriter): string {
  let index = 0;
  return value.split(/(\s+)/).map((token) => {
    if (token === '' || /^\s+$/.test(token)) return token;
    const isLocation = index++ % 2 === 1;
    return isLocation ? rw.rewrite(token) ?? token : token;
  }).join('');
}

/** Character data that is exactly one upstream URL, rewritten with its surrounding white space kept. */
function rewriteTextUrl(text: string, rw: UrlRewriter): string {
  const trimmed = text.trim();
  if (trimmed === '' || /\s/.test(trimmed) || !/^https?:\/\//i.test(trimmed)) return text;
  const hub = rw.rewrite(trimmed);
  return hub === undefined ? text : text.replace(trimmed, () => hub);
}

/** Re-serialises one capabilities document, rewriting its URLs; the output is pushed through `emit`. */
export class CapabilitiesWriter {
  private readonly parser = new SaxesParser({ xmlns: true });
  private readonly stack: string[] = [];
  private dcpDepth = 0;
  private out: string[] = [];
  private failure: Error | undefined;

  constructor(private readonly rw: UrlRewriter) {
    const p = this.parser;
    p.on('xmldecl', (d) => this.out.push(xmlDeclaration(d)));
    p.on('doctype', (d) => this.out.push(`<!DOCTYPE${d}>`));
    p.on('processinginstruction', (pi) => this.out.push(`<?${pi.target}${pi.body ? ` ${pi.body}` : ''}?>`));
    p.on('comment', (c) => this.out.push(`<!--${c}-->`));
    p.on('cdata', (c) => this.out.push(cdata(this.text(c))));
    p.on('text', (t) => this.out.push(escapeText(this.text(t))));
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', (tag) => this.close(tag));
    p.on('error', (err) => {
      if (!UNBOUND_PREFIX.test(err.message)) this.failure ??= err;
    });
  }

  /** Parses a piece of the decoded document; returns what can be written so far. */
  write(text: string): string {
    this.parser.write(text);
    return this.take();
  }

  /** Ends the document; returns the last output. Throws on a well-formedness error. */
  end(): string {
    this.parser.close();
    return this.take();
  }

  private take(): string {
    if (this.failure) throw new Error(`capabilities not well-formed: ${this.failure.message}`);
    const s = this.out.join('');
    this.out = [];
    return s;
  }

  private text(t: string): string {
    const element = this.stack[this.stack.length - 1];
    return element === undefined || IDENTIFIER_ELEMENTS.has(element) ? t : rewriteTextUrl(t, this.rw);
  }

  private open(tag: SaxesTagNS): void {
    if (DCP_ELEMENTS.has(tag.local)) this.dcpDepth++;
    this.out.push(startTag(tag, (a) => this.attribute(tag, a)));
    if (tag.isSelfClosing) {
      if (DCP_ELEMENTS.has(tag.local)) this.dcpDepth--;
    } else this.stack.push(tag.local);
  }

  private close(tag: SaxesTagNS): void {
    if (tag.isSelfClosing) return;
    this.stack.pop();
    if (DCP_ELEMENTS.has(tag.local)) this.dcpDepth--;
    this.out.push(`</${tag.name}>`);
  }

  private attribute(tag: SaxesTagNS, attr: SaxesAttributeNS): string {
    if (isXlink(attr, 'href')) {
      return this.dcpDepth > 0 ? this.rw.rewriteEndpoint(attr.value) : this.rw.rewrite(attr.value) ?? attr.value;
    }
    if (attr.name === 'template' && tag.local === 'ResourceURL') return this.rw.rewrite(attr.value) ?? attr.value;
    if (isSchemaLocation(attr)) return rewriteSchemaLocation(attr.value, this.rw);
    return attr.value;
  }
}

/**
 * A byte stream transform: the capabilities in any encoding in, the rewritten document in UTF-8 out. The
 * encoding is read from the first bytes (BOM or XML declaration), which are held until enough have arrived.
 * With `paths`, the `/-/` paths of the document are recorded there.
 */
export function capabilitiesRewriter(rw: UrlRewriter, paths?: PathRecorder): Transform {
  const writer = new CapabilitiesWriter(paths ? rw.reporting((p) => paths.seen(p)) : rw);
  let decoder: TextDecoder | undefined;
  let held: Buffer[] = [];
  let heldBytes = 0;
  const feed = (t: Transform, bytes: Buffer) => {
    decoder ??= new TextDecoder(sniffEncoding(bytes));
    const out = writer.write(decoder.decode(bytes, { stream: true }));
    if (out) t.push(Buffer.from(out, 'utf8'));
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        if (!decoder) {
          held.push(chunk);
          heldBytes += chunk.length;
          if (heldBytes < DECLARATION_WINDOW) return done();
          chunk = Buffer.concat(held);
          held = [];
        }
        feed(this, chunk);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!decoder) feed(this, Buffer.concat(held));
        const out = writer.write(decoder!.decode()) + writer.end();
        if (out) this.push(Buffer.from(out, 'utf8'));
        paths?.complete();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
