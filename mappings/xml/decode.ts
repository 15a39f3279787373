/**
 * Bytes -> string for XML documents, following XML 1.0 Appendix F: byte-order mark first, then the encoding
 * named in the XML declaration, UTF-8 by default. Decoding goes through the WHATWG TextDecoder (Node's full ICU
 * covers ISO-8859-1/15, Windows-1252, UTF-16LE/BE).
 */

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

/** Decodes an XML document's bytes according to its BOM or declaration. */
export function decodeXml(bytes: Uint8Array): Decoded {
  const b = bytes;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return decodeAs(b.subarray(3), 'utf-8', []);
  if (b[0] === 0xff && b[1] === 0xfe) {
    // A UTF-16LE BOM followed by single-byte text ("<?" as 3C 3F): OWSLib's mesonet fixture, and what some
    // servers emit after a bad concatenation. Reading it as UTF-16 would give garbage; drop the BOM instead.
    if (b[2] === 0x3c && b[3] !== 0x00) return fromDeclaration(b.subarray(2), ['UTF-16LE byte-order mark before single-byte text ignored']);
    return decodeAs(b.subarray(2), 'utf-16le', []);
  }
  if (b[0] === 0xfe && b[1] === 0xff) return decodeAs(b.subarray(2), 'utf-16be', []);
  // No BOM but UTF-16 '<?' (XML 1.0 Appendix F.1).
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return decodeAs(b, 'utf-16le', []);
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return decodeAs(b, 'utf-16be', []);
  return fromDeclaration(b, []);
}

const DECLARED_ENCODING = /^\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;

function fromDeclaration(b: Uint8Array, warnings: string[]): Decoded {
  const head = Buffer.from(b.subarray(0, 256)).toString('latin1');
  const label = DECLARED_ENCODING.exec(head)?.[1].toLowerCase() ?? 'utf-8';
  // A declaration saying UTF-16 on bytes without a BOM that are clearly single-byte: trust the bytes.
  if (label.startsWith('utf-16')) return decodeAs(b, 'utf-8', [...warnings, `encoding "${label}" declared on single-byte text; read as UTF-8`]);
  if (label === 'utf-8' || label === 'utf8') return decodeUtf8(b, warnings);
  return decodeAs(b, label, warnings);
}

/**
 * Documents declared (or defaulted to) UTF-8 that hold Latin-1 bytes are common in French catalogues; rather
 * than filling titles with U+FFFD, they are read as Windows-1252 and the caller is told.
 */
function decodeUtf8(b: Uint8Array, warnings: string[]): Decoded {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(b), encoding: 'utf-8', warnings };
  } catch {
    return decodeAs(b, 'windows-1252', [...warnings, 'document is not valid UTF-8; read as Windows-1252']);
  }
}

function decodeAs(b: Uint8Array, label: string, warnings: string[]): Decoded {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    throw new XmlEncodingError(`unsupported XML encoding "${label}"`);
  }
  const text = decoder.decode(b);
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, encoding: decoder.encoding, warnings };
}
