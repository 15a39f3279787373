/**
 * HTML pages of records: a page of search results with its form and pager, and one record. Every value shown
 * comes from harvested documents: all of it is escaped, and only http(s)/ftp addresses become links.
 */
import type { CollectionInfo } from '../collections.ts';
import type { RecordFeature } from '../feature.ts';
import { messages } from '../i18n.ts';
import type { ItemsPage } from '../items.ts';
import { collectionUrl, itemsUrl, itemUrl, type Lang, type Link } from '../urls.ts';
import { anchor, attr, htmlHref, page, setParam, text } from './layout.ts';
import { collectionsCrumb, homeCrumbs, searchForm } from './pages.ts';

const EXCERPT = 300;

function excerpt(s: unknown): string {
  const t = typeof s === 'string' ? s.trim() : '';
  return t.length > EXCERPT ? `${t.slice(0, EXCERPT)}…` : t;
}

function recordSummary(f: RecordFeature, collectionId: string, b: string, lang: Lang): string {
  const p = f.properties;
  return `<li class="record"><a href="${attr(htmlHref(itemUrl(b, collectionId, f.id), lang))}">${text(p.title)}</a>
 <span class="type">${text(p.type)}</span><br>${text(excerpt(p.description))}</li>`;
}

function pager(links: Link[], lang: Lang): string {
  const t = messages(lang);
  const prev = links.find((l) => l.rel === 'prev');
  const next = links.find((l) => l.rel === 'next');
  const a = (l: Link | undefined, label: string, rel: string) => (l ? `<a href="${attr(l.href)}" rel="${rel}">${text(label)}</a>` : '');
  return `<nav class="pager">${a(prev, t.previous, 'prev')}${a(next, t.next, 'next')}</nav>`;
}


/** The results page of `/collections/{id}/items?f=html`. */
export function itemsPage(p: ItemsPage, b: string, lang: Lang): string {
  const t = messages(lang);
  const c = p.collection;
  const self = p.links.find((l) => l.rel === 'self')!.href;
  const raw = Object.fromEntries(new URL(self).searchParams);
  const from = p.query.offset + 1;
  const body = `${searchForm(itemsUrl(b, c.id), lang, raw)}
<p>${text(t.results(p.numberMatched, from, p.query.offset + p.features.length))}</p>
<ul>${p.features.map((f) => recordSummary(f, c.id, b, lang)).join('\n')}</ul>
${pager(p.links, lang)}`;
  return page({
    lang, title: `${c.title} — ${t.items}`, url: self,
    crumbs: homeCrumbs(b, lang, [collectionsCrumb(b, lang), { label: c.title, href: htmlHref(collectionUrl(b, c.id), lang) }, { label: t.items }]),
    body, jsonHref: setParam(self, 'f', 'json'),
  });
}

function row(label: string, html: string): string {
  return html ? `<tr><th>${text(label)}</th><td>${html}</td></tr>` : '';
}

function list(values: string[]): string {
  return values.length ? `<ul>${values.map((v) => `<li>${v}</li>`).join('')}</ul>` : '';
}

type Contact = { name?: string; organization?: string; emails?: { value: string }[]; roles?: string[] };
type Theme = { scheme: string; concepts: { id: string; title?: string }[] };

function contactHtml(c: Contact): string {
  const who = [c.name, c.organization].filter(Boolean).map(text).join(', ');
  const emails = (c.emails ?? []).map((e) => text(e.value)).join(', ');
  return `${who}${c.roles?.length ? ` (${text(c.roles.join(', '))})` : ''}${emails ? ` — ${emails}` : ''}`;
}

function propertiesTable(f: RecordFeature, lang: Lang): string {
  const t = messages(lang);
  const p = f.properties as Record<string, unknown>;
  const arr = <T>(v: unknown) => (Array.isArray(v) ? (v as T[]) : []);
  const themes = arr<Theme>(p.themes).map((th) => `${th.concepts.map((x) => text(x.title ?? x.id)).join(', ')} <small>(${text(th.scheme)})</small>`);
  const interval = f.time?.interval;
  return `<table>
${row(t.identifier, text(f.id))}${row(t.type, text(p.type))}
${row(t.keywords, text(arr<string>(p.keywords).join(', ')))}${row(t.themes, list(themes))}
${row(t.period, interval ? `${text(interval[0])} – ${text(interval[1])}` : '')}
${row(t.created, text(p.created))}${row(t.updated, text(p.updated))}
${row(t.language, text((p.language as { code?: string } | undefined)?.code))}
${row(t.externalIds, list(arr<{ scheme?: string; value: string }>(p.externalIds).map((e) => text(e.scheme ? `${e.scheme}: ${e.value}` : e.value))))}
${row(t.contacts, list(arr<Contact>(p.contacts).map(contactHtml)))}
${row(t.formats, text(arr<{ name: string }>(p.formats).map((x) => x.name).join(', ')))}
${row(t.license, text(p.license))}${row(t.rights, p.rights ? `<span class="text">${text(p.rights)}</span>` : '')}
</table>`;
}

function linksHtml(f: RecordFeature): string {
  const shown = f.links.filter((l) => !['self', 'collection'].includes(l.rel));
  return list(shown.map((l) => `${anchor(l.href, l.title || l.href)} <small>${text(l.rel)}</small>`));
}

function provenanceHtml(f: RecordFeature, b: string, lang: Lang): string {
  const t = messages(lang);
  return list(f.properties['moisson:sources'].map((s) =>
    `<a href="${attr(htmlHref(collectionUrl(b, s.source), lang))}">${text(s.source)}</a> — <a href="${attr(s.href)}">${text(s.recordId)}</a>`
    + `${s.preferred ? ` (${text(t.preferred)})` : ''} · <a href="${attr(s.original)}">${text(t.original)}</a>`));
}

/** The page of one record. */
export function itemPage(f: RecordFeature, c: CollectionInfo, b: string, lang: Lang): string {
  const t = messages(lang);
  const self = htmlHref(itemUrl(b, c.id, f.id), lang);
  const body = `<p class="text">${text(f.properties.description)}</p>
${propertiesTable(f, lang)}
<h2>${text(t.links)}</h2>
${linksHtml(f)}
<h2>${text(t.sources)}</h2>
${provenanceHtml(f, b, lang)}`;
  return page({
    lang, title: f.properties.title, url: self,
    crumbs: homeCrumbs(b, lang, [collectionsCrumb(b, lang), { label: c.title, href: htmlHref(itemsUrl(b, c.id), lang) }, { label: f.properties.title }]),
    body, jsonHref: `${itemUrl(b, c.id, f.id)}?f=json`,
  });
}
