/**
 * The `ogc-capabilities` harvester: `source.url` is a GetCapabilities URL of a WMS (1.3.0, 1.1.1), WMTS 1.0.0
 * or WFS 2.0.0 service. One request, one document: the capabilities, yielded with the URL (minus volatile
 * parameters) as native id; the mapping makes the one service record. The answer is checked here because it is
 * the whole listing: an OGC exception report, an HTML page served with 200 or any other document fails the
 * harvest with the URL and the reason, so the run is not complete and the stored record stays as it was.
 */
import { xmlRoot } from '../mappings/index.ts';
import { CAPABILITIES_ROOTS } from '../mappings/ogc-capabilities/namespaces.ts';
import { parseXml } from '../mappings/xml/index.ts';
import type { FetchResponse } from './http.ts';
import { exceptionText, isExceptionRoot } from './ogc-capabilities/exception.ts';
import { capabilitiesNativeId, capabilitiesRequestUrl, SERVICE_VERSIONS } from './ogc-capabilities/url.ts';
import { HarvestError, throwIfAborted, type HarvestContext, type Harvester, type RawDocument, type SourceDef } from './types.ts';

/** JSON Schema of `source.options` for an ogc-capabilities source. */
export const OGC_CAPABILITIES_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    service: { enum: Object.keys(SERVICE_VERSIONS), description: 'SERVICE parameter added when source.url has none' },
  },
} as const;

const KNOWN_ROOTS: ReadonlySet<string> = new Set(Object.values(CAPABILITIES_ROOTS));

export function createOgcCapabilitiesHarvester(): Harvester {
  return { type: 'ogc-capabilities', optionsSchema: OGC_CAPABILITIES_OPTIONS_SCHEMA, harvest: harvestCapabilities };
}

async function* harvestCapabilities(source: SourceDef, ctx: HarvestContext): AsyncGenerator<RawDocument> {
  const service = typeof source.options?.service === 'string' ? source.options.service : undefined;
  let url: string;
  try {
    url = capabilitiesRequestUrl(source.url, service);
  } catch (err) {
    throw new HarvestError('invalid_source', `"${source.url}" is not a URL`, { cause: err });
  }
  ctx.total = 1;
  const res = await fetchCapabilities(ctx, url);
  checkCapabilities(res);
  yield { nativeId: capabilitiesNativeId(url), bytes: res.body, mediaType: res.mediaType || 'application/xml', url: res.url, fetchedAt: res.fetchedAt };
}

async function fetchCapabilities(ctx: HarvestContext, url: string): Promise<FetchResponse> {
  try {
    return await ctx.http.fetch({ url, signal: ctx.signal, headers: { accept: 'application/xml, text/xml;q=0.9, */*;q=0.5' } });
  } catch (err) {
    throwIfAborted(ctx.signal);
    throw new HarvestError('source_unreadable', (err as Error).message, { cause: err });
  }
}

/**
 * Throws unless the answer is well-formed and its root is one of the mapped capabilities roots. The whole
 * document is parsed here (not only its root sniffed): a truncated answer must fail the run, not become a
 * failed record in a run that looks complete.
 */
function checkCapabilities(res: FetchResponse): void {
  const root = xmlRoot(res.body);
  if (root && KNOWN_ROOTS.has(`{${root.ns}}${root.local}`)) {
    try {
      parseXml(res.body);
      return;
    } catch (err) {
      throw new HarvestError('source_unreadable', `${res.url}: unreadable capabilities: ${(err as Error).message}`, { cause: err });
    }
  }
  if (root && isExceptionRoot(root.local)) {
    throw new HarvestError('source_unreadable', `${res.url} answered with an OGC exception report: ${exceptionText(res.body)}`);
  }
  const what = root ? `root element ${root.name}${root.ns ? ` {${root.ns}}` : ''}` : 'not XML';
  throw new HarvestError(
    'source_unreadable',
    `${res.url} did not answer with WMS, WMTS or WFS capabilities (content type ${res.mediaType || 'none'}, ${what})`,
  );
}
