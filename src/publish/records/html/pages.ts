/**
 * HTML pages of the service resources: landing page, conformance, the collection list and one collection.
 * Rendered from the same documents as the JSON; source titles and URLs are admin input but escaped all the same.
 */
import { messages } from '../i18n.ts';
import { collectionsUrl, collectionUrl, itemsUrl, type Lang, type Link } from '../urls.ts';
import { attr, htmlHref, page, text, type Crumb } from './layout.ts';

export function homeCrumbs(b: string, lang: Lang, more: Crumb[] = []): Crumb[] {
  return [{ label: messages(lang).home, href: htmlHref(`${b}/`, lang) }, ...more];
}

export function collectionsCrumb(b: string, lang: Lang): Crumb {
  return { label: messages(lang).collections, href: htmlHref(collectionsUrl(b), lang) };
}

export function landingPage(doc: { title: string; description: string; links: Link[] }, b: string, lang: Lang): string {
  const t = messages(lang);
  const body = `<p>${text(doc.description)}</p>
<ul>
<li><a href="${attr(htmlHref(collectionsUrl(b), lang))}">${text(t.collections)}</a> — ${text(t.collectionsDescription)}</li>
<li><a href="${attr(htmlHref(`${b}/conformance`, lang))}">${text(t.conformance)}</a></li>
<li><a href="${attr(`${b}/openapi`)}" type="application/vnd.oai.openapi+json">${text(t.openapi)}</a></li>
</ul>`;
  return page({ lang, title: doc.title, url: htmlHref(`${b}/`, lang), crumbs: homeCrumbs(b, lang), body, jsonHref: `${b}/?f=json` });
}

export function conformancePage(classes: readonly string[], b: string, lang: Lang): string {
  const t = messages(lang);
  const body = `<ul>${classes.map((c) => `<li><a href="${attr(c)}">${text(c)}</a></li>`).join('')}</ul>`;
  return page({
    lang, title: t.conformance, url: htmlHref(`${b}/conformance`, lang), crumbs: homeCrumbs(b, lang, [{ label: t.conformance }]),
    body, jsonHref: `${b}/conformance?f=json`,
  });
}

interface Extent {
  spatial?: { bbox: number[][] };
  temporal?: { interval: (string | null)[][] };
}

/** The extent of a collection as two short lines. */
export function extentHtml(extent: Extent | undefined, lang: Lang): string {
  const t = messages(lang);
  const rows: string[] = [];
  const box = extent?.spatial?.bbox[0];
  if (box) rows.push(`<dt>${text(t.extent)}</dt><dd>${box.map((n) => text(Number(n).toFixed(4))).join(', ')}</dd>`);
  const period = extent?.temporal?.interval[0];
  if (period) rows.push(`<dt>${text(t.period)}</dt><dd>${text(period[0]?.slice(0, 10) ?? '…')} – ${text(period[1]?.slice(0, 10) ?? '…')}</dd>`);
  return rows.join('\n');
}

function collectionSummary(c: Record<string, unknown>, b: string, lang: Lang): string {
  const t = messages(lang);
  const id = String(c.id);
  return `<li class="record"><a href="${attr(htmlHref(collectionUrl(b, id), lang))}">${text(c.title)}</a>
 (<a href="${attr(htmlHref(itemsUrl(b, id), lang))}">${text(c['moisson:count'])} ${text(t.records)}</a>)<br>${text(c.description)}</li>`;
}

export function collectionsPage(collections: Record<string, unknown>[], b: string, lang: Lang): string {
  const t = messages(lang);
  const body = `<p>${text(t.collectionsDescription)}</p>\n<ul>${collections.map((c) => collectionSummary(c, b, lang)).join('\n')}</ul>`;
  return page({
    lang, title: t.collections, url: htmlHref(collectionsUrl(b), lang), crumbs: homeCrumbs(b, lang, [{ label: t.collections }]),
    body, jsonHref: `${collectionsUrl(b)}?f=json`,
  });
}

/** The search form of a collection's records (a plain GET form: the parameters are the API's own). */
export function searchForm(action: string, lang: Lang, values: Record<string, string | undefined> = {}): string {
  const t = messages(lang);
  const field = (name: string, label: string) =>
    `<label>${text(label)}<input name="${name}" value="${attr(values[name] ?? '')}"></label>`;
  return `<form method="get" action="${attr(action)}" role="search">
${field('q', t.q)}${field('bbox', t.bbox)}${field('datetime', t.datetime)}${field('type', t.type)}${field('sortby', t.sortby)}
<input type="hidden" name="f" value="html"><input type="hidden" name="lang" value="${lang}">
<button type="submit">${text(t.search)}</button></form>`;
}

export function collectionPage(c: Record<string, unknown>, b: string, lang: Lang): string {
  const t = messages(lang);
  const id = String(c.id);
  const body = `<p>${text(c.description)}</p>
<dl><dt>${text(t.count)}</dt><dd><a href="${attr(htmlHref(itemsUrl(b, id), lang))}">${text(c['moisson:count'])}</a></dd>
${extentHtml(c.extent as Extent | undefined, lang)}</dl>
${searchForm(itemsUrl(b, id), lang)}`;
  return page({
    lang, title: String(c.title), url: htmlHref(collectionUrl(b, id), lang),
    crumbs: homeCrumbs(b, lang, [collectionsCrumb(b, lang), { label: String(c.title) }]), body, jsonHref: `${collectionUrl(b, id)}?f=json`,
  });
}
