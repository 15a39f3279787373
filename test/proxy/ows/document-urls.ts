/**
 * Lists every URL of an XML document that a client may follow, with its kind: xlink:href (and whether it sits in
 * an operation's DCP), WMTS ResourceURL templates, schemaLocation locations, WFS next/previous, and character
 * data that is one http(s) URL. The tests assert with it that every service URL of a rewritten document points at
 * the hub and that none is left on the upstream's host.
 */
import { SaxesParser } from 'saxes';

export interface FoundUrl { kind: 'href' | 'dcp' | 'template' | 'schemaLocation' | 'paging' | 'text'; url: string; element: string }

const XLINK = 'http://www.w3.org/1999/xlink';

export function documentUrls(xml: string): FoundUrl[] {
  const found: FoundUrl[] = [];
  const parser = new SaxesParser({ xmlns: true });
  const stack: string[] = [];
  let dcp = 0;
  parser.on('error', (err) => {
    if (!/unbound namespace prefix/.test(err.message)) throw err;
  });
  parser.on('opentag', (tag) => {
    if (tag.local === 'DCP' || tag.local === 'DCPType') dcp++;
    for (const a of Object.values(tag.attributes)) {
      if (a.local === 'href' && (a.uri === XLINK || a.prefix === 'xlink') && a.value !== '') {
        found.push({ kind: dcp > 0 ? 'dcp' : 'href', url: a.value, element: tag.name });
      } else if (tag.local === 'ResourceURL' && a.name === 'template') {
        found.push({ kind: 'template', url: a.value, element: tag.name });
      } else if (a.local === 'schemaLocation') {
        a.value.trim().split(/\s+/).forEach((t, i) => { if (i % 2 === 1) found.push({ kind: 'schemaLocation', url: t, element: tag.name }); });
      } else if ((a.local === 'next' || a.local === 'previous') && a.uri === '' && stack.length === 0) {
        found.push({ kind: 'paging', url: a.value, element: tag.name });
      }
    }
    if (tag.isSelfClosing) { if (tag.local === 'DCP' || tag.local === 'DCPType') dcp--; } else stack.push(tag.local);
  });
  parser.on('closetag', (tag) => {
    if (tag.isSelfClosing) return;
    stack.pop();
    if (tag.local === 'DCP' || tag.local === 'DCPType') dcp--;
  });
  parser.on('text', (t) => {
    const s = t.trim();
    if (/^https?:\/\/\S+$/i.test(s)) found.push({ kind: 'text', url: s, element: stack[stack.length - 1] ?? '' });
  });
  parser.write(xml).close();
  return found;
}

/** The host of a URL (lower case), or '' when it is not an absolute URL. */
export function hostOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]*)/i.exec(url);
  return m ? m[1].toLowerCase() : '';
}
