/**
 * Errors of the OGC API - Records service in its own dialect (OGC API - Features / Common exception.yaml):
 * `{code, description}` in JSON, or a small HTML page; the HTTP status from the error catalogue
 * (src/errors.ts). The public message only: a cause or stack trace never reaches the client.
 */
import { catalogue, toHubError, type HubError } from '../../errors.ts';
import type { PublisherResponse } from '../native/records.ts';
import { messages } from './i18n.ts';
import { homeCrumbs } from './html/pages.ts';
import { page, text } from './html/layout.ts';
import type { Format, Lang } from './urls.ts';

/** The exception `code`: OWS exception codes, as OGC API servers (pygeoapi, pycsw) write them. */
function exceptionCode(err: HubError): string {
  if (err.status === 404) return 'NotFound';
  return catalogue[err.code].ows;
}

/** The response for anything thrown while answering a records request. */
export function exceptionResponse(thrown: unknown, format: Format, lang: Lang, base: string, url: string): PublisherResponse {
  const err = toHubError(thrown);
  const body = { code: exceptionCode(err), description: err.message };
  if (format === 'html') {
    const t = messages(lang);
    const html = page({
      lang, title: `${t.error} ${err.status}`, url, crumbs: homeCrumbs(base, lang, [{ label: t.error }]),
      body: `<p class="error">${text(err.message)}</p>`,
    });
    return { status: err.status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
  }
  return { status: err.status, headers: { 'content-type': 'application/json' }, body };
}
