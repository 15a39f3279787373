/**
 * The character encoding of an XML document from its first bytes (XML 1.0 Appendix F): a byte-order mark,
 * else the `encoding` of the XML declaration, else UTF-8. Capabilities still come in ISO-8859-x and UTF-16
 * (see ../shared/fixtures/ows/wms/brgm-wms-1.1.1-*.xml).
 */

/** How many bytes the XML declaration may take before we stop looking for it. */
export const DECLARATION_WINDOW = 512;

const DECLARED = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/;

/** The WHATWG encoding label of a document, from its first bytes (give at least DECLARATION_WINDOW when you can). */
export function sniffEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  // UTF-16 without BOM: "<?" as 00 3C 00 3F or 3C 00 3F 00.
  if (head[0] === 0x00 && head[1] === 0x3c) return 'utf-16be';
  if (head[0] === 0x3c && head[1] === 0x00) return 'utf-16le';
  const m = DECLARED.exec(head.subarray(0, DECLARATION_WINDOW).toString('latin1'));
  return normalise(m?.[1] ?? 'utf-8');
}

function normalise(label: string): string {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    // An unknown label: UTF-8 is the XML default, and ASCII markup reads the same in it.
    return 'utf-8';
  }
}

/** True for encodings where one byte is one character (byte offsets = string offsets when read as latin1). */
export function isSingleByte(encoding: string): boolean {
  return encoding !== 'utf-8' && !encoding.startsWith('utf-16') && !MULTI_BYTE.has(encoding);
}

const MULTI_BYTE = new Set(['gbk', 'gb18030', 'big5', 'euc-jp', 'iso-2022-jp', 'shift_jis', 'euc-kr']);
