/**
 * The frame of every OGC API - Records HTML page: a small self-contained document (inline CSS, no script, no
 * external asset) with the breadcrumbs, the language switch and the link to the JSON representation.
 * Everything that may come from a harvested document goes through `text()` or `attr()`; links to harvested
 * addresses go through `safeHref()`, which refuses anything but http(s) and ftp (no `javascript:`).
 */
import { escapeHtml } from '../../search.ts';
import { messages } from '../i18n.ts';
import { withQuery, type Lang } from '../urls.ts';

/** Escaped text content. */
export function text(value: unknown): string {
  return escapeHtml(value === undefined || value === null ? '' : String(value));
}

/** An escaped attribute value (always written between double quotes). */
export const attr = text;

/** A harvested address usable as a link target, else null (shown as text instead). */
export function safeHref(url: string | undefined): string | null {
  const u = url?.trim();
  return u && /^(https?|ftp):\/\//i.test(u) ? u : null;
}

/** A link to a harvested or hub address, or the escaped label alone when the address is not safe. */
export function anchor(href: string | undefined, label: string): string {
  const safe = safeHref(href);
  return safe ? `<a href="${attr(safe)}">${text(label)}</a>` : text(label);
}

/** Replaces (or adds) one query parameter of an absolute URL. */
export function setParam(url: string, name: string, value: string | undefined): string {
  const u = new URL(url);
  if (value === undefined) u.searchParams.delete(name);
  else u.searchParams.set(name, value);
  return u.toString();
}

const CSS = `body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.45;color:#222}
header{border-bottom:1px solid #ccc;margin-bottom:1rem;display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
nav a{margin-right:.4rem}a{color:#0b5394}dt{font-weight:600}dd{margin:0 0 .6rem 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
li.record{margin-bottom:.8rem}.type{font-size:.8rem;background:#eef;padding:0 .3rem;border-radius:.2rem}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}label{display:flex;flex-direction:column;font-size:.85rem}
.pager{display:flex;gap:1rem}.error{color:#a00}.text{white-space:pre-line}`;

export interface Crumb {
  label: string;
  href?: string;
}

export interface PageOptions {
  lang: Lang;
  title: string;
  /** The page's own address, without `f` (the switch links are derived from it). */
  url: string;
  crumbs: Crumb[];
  body: string;
  /** Link to the JSON representation (absent on error pages). */
  jsonHref?: string;
}

function crumbs(list: Crumb[]): string {
  return list.map((c) => (c.href ? `<a href="${attr(c.href)}">${text(c.label)}</a>` : text(c.label))).join(' › ');
}

/** A complete HTML document. */
export function page(o: PageOptions): string {
  const t = messages(o.lang);
  const other: Lang = o.lang === 'fr' ? 'en' : 'fr';
  const switchHref = setParam(o.url, 'lang', other);
  const json = o.jsonHref ? ` · <a href="${attr(o.jsonHref)}" type="application/json">JSON</a>` : '';
  return `<!DOCTYPE html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(o.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><nav>${crumbs(o.crumbs)}</nav><div><a href="${attr(switchHref)}" hreflang="${other}" lang="${other}">${text(t.otherLanguage)}</a>${json}</div></header>
<main>
<h1>${text(o.title)}</h1>
${o.body}
</main>
</body>
</html>
`;
}

/** The page's address with `f=html` and the language, as links between HTML pages carry them. */
export function htmlHref(url: string, lang: Lang, params: Record<string, string | undefined> = {}): string {
  return withQuery(url, { ...params, f: 'html', lang });
}
