/**
 * Bytes -> string for XML documents, following XML 1.0 Appendix F: byte-order mark first, then the encoding
 * named in the XML declaration, UTF-8 by default. Decoding goes through the WHATWG TextDecoder (Node's full ICU
 * covers ISO-8859-1/15, Windows-1252, UTF-16LE/BE).
 */
import { isUtf8 } from 'node:buffer';

export interface Decoded {
  text: string;
  /** The encoding actually used (WHATWG name). */
  encoding: string;
  /** Things worth telling the caller (bogus BOM, undecodable bytes…). */
  warnings: string[];
}

/** Thrown when the bytes cannot be turned into text (unknown encoding label). */
export class XmlEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlEncodingError';
  }
}

/** How a document's bytes are to be read: the encoding (WHATWG label), from which byte, and what to tell. */
interface Reading {
  label: string;
  /** Bytes skipped at the start (a byte-order mark). */
  from: number;
  warnings: string[];
}

/** Decodes an XML document's bytes according to its BOM or declaration. */
export function decodeXml(bytes: Uint8Array): Decoded {
  const r = readingOf(bytes);
  const decoder = decoderFor(r.label);
  const text = decoder.decode(bytes.subarray(r.from));
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, encoding: decoder.encoding, warnings: r.warnings };
}

/**
 * The text decodeXml gives, in pieces decoded from about `pieceBytes` bytes each (a character is never cut). A
 * page of megabytes read as one string is allocated where the garbage collector only frees it in its costliest
 * pass; pieces of a few tens of kilobytes die young. Throws XmlEncodingError before the first piece, as decodeXml.
 */
export function decodeXmlPieces(bytes: Uint8Array, pieceBytes = 32 * 1024): Iterable<string> {
  const r = readingOf(bytes);
  const decoder = decoderFor(r.label);
  return (function* pieces() {
    let first = true;
    for (let at = r.from; at < bytes.length; at += pieceBytes) {
      let piece = decoder.decode(bytes.subarray(at, Math.min(at + pieceBytes, bytes.length)), { stream: true });
      if (first && piece.length > 0) {
        first = false;
        if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
      }
      if (piece.length > 0) yield piece;
    }
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  })();
}

function readingOf(b: Uint8Array): Reading {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { label: 'utf-8', from: 3, warnings: [] };
  if (b[0] === 0xff && b[1] === 0xfe) {
    // A UTF-16LE BOM followed by single-byte text ("<?" as 3C 3F): OWSLib's mesonet fixture, and what some
    // servers emit after a bad concatenation. Reading it as UTF-16 would give garbage; drop the BOM instead.
    if (b[2] === 0x3c && b[3] !== 0x00) return fromDeclaration(b, 2, ['UTF-16LE byte-order mark before single-byte text ignored']);
    return { label: 'utf-16le', from: 2, warnings: [] };
  }
  if (b[0] === 0xfe && b[1] === 0xff) return { label: 'utf-16be', from: 2, warnings: [] };
  // No BOM but UTF-16 '<?' (XML 1.0 Appendix F.1).
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return { label: 'utf-16le', from: 0, warnings: [] };
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return { label: 'utf-16be', from: 0, warnings: [] };
  return fromDeclaration(b, 0, []);
}

const DECLARED_ENCODING = /^\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;

function fromDeclaration(b: Uint8Array, from: number, warnings: string[]): Reading {
  const head = Buffer.from(b.subarray(from, from + 256)).toString('latin1');
  const label = DECLARED_ENCODING.exec(head)?.[1].toLowerCase() ?? 'utf-8';
  // A declaration saying UTF-16 on bytes without a BOM that are clearly single-byte: trust the bytes.
  if (label.startsWith('utf-16')) return { label: 'utf-8', from, warnings: [...warnings, `encoding "${label}" declared on single-byte text; read as UTF-8`] };
  if (label === 'utf-8' || label === 'utf8') return utf8OrLatin(b, from, warnings);
  return { label, from, warnings };
}

/**
 * Documents declared (or defaulted to) UTF-8 that hold Latin-1 bytes are common in French catalogues; rather
 * than filling titles with U+FFFD, they are read as Windows-1252 and the caller is told.
 */
function utf8OrLatin(b: Uint8Array, from: number, warnings: string[]): Reading {
  if (isUtf8(b.subarray(from))) return { label: 'utf-8', from, warnings };
  return { label: 'windows-1252', from, warnings: [...warnings, 'document is not valid UTF-8; read as Windows-1252'] };
}

function decoderFor(label: string): TextDecoder {
  try {
    return new TextDecoder(label);
  } catch {
    throw new XmlEncodingError(`unsupported XML encoding "${label}"`);
  }
}
