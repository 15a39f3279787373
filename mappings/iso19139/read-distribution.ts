/**
 * gmd:distributionInfo -> distribution formats and online resources (transfer options of the distribution and
 * of its distributors alike: GeoNetwork and Géo-IDE put them in either place).
 */
import type { DistributionFormat, OnlineResource } from '../types.ts';
import { elements, first, firstElement, select, type XmlElement } from '../xml/index.ts';
import { NS_GMD } from './namespaces.ts';
import { assign, code, gmd, textAt, warn, type ReadContext } from './read-context.ts';

export interface DistributionFields {
  distributionFormats: DistributionFormat[];
  onlineResources: OnlineResource[];
}

export function readDistribution(ctx: ReadContext, root: XmlElement): DistributionFields {
  const out: DistributionFields = { distributionFormats: [], onlineResources: [] };
  for (const d of select(root, gmd('distributionInfo'), ['*', '*'])) {
    const formats = [
      ...objects(ctx, d, 'distributionFormat', 'MD_Format'),
      ...select(d, gmd('distributor'), ['*', '*'], gmd('distributorFormat'), ['*', '*']),
    ];
    for (const f of formats) addFormat(out.distributionFormats, f);
    const options = [
      ...select(d, gmd('transferOptions'), ['*', '*']),
      ...select(d, gmd('distributor'), ['*', '*'], gmd('distributorTransferOptions'), ['*', '*']),
    ];
    for (const r of options.flatMap((o) => objects(ctx, o, 'onLine', 'CI_OnlineResource'))) {
      const resource = readOnlineResource(ctx, r);
      if (resource) out.onlineResources.push(resource);
    }
  }
  return out;
}

/**
 * The objects held by the `property` children of `parent`, in document order. An object written without its
 * property element (SIGLR's MD_Format directly in MD_Distribution, CI_OnlineResource directly in
 * MD_DigitalTransferOptions) is XSD-invalid but unambiguous: it is read, with a warning.
 */
function objects(ctx: ReadContext, parent: XmlElement, property: string, object: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of elements(parent)) {
    if (c.uri !== NS_GMD) continue;
    if (c.local === property) {
      const inner = firstElement(c);
      if (inner) out.push(inner);
    } else if (c.local === object) {
      warn(ctx, c, `gmd:${object} without its gmd:${property} property element: read anyway`);
      out.push(c);
    }
  }
  return out;
}

/** Formats are de-duplicated on name + version (distributors often repeat the main list). */
function addFormat(list: DistributionFormat[], f: XmlElement): void {
  const name = textAt(f, gmd('name'));
  if (!name) return;
  const format: DistributionFormat = { name };
  assign(format, 'version', textAt(f, gmd('version')));
  if (!list.some((x) => x.name === format.name && x.version === format.version)) list.push(format);
}

/** CI_OnlineResource; one without a linkage URL is dropped with a warning. */
export function readOnlineResource(ctx: ReadContext, r: XmlElement): OnlineResource | undefined {
  const url = textAt(r, gmd('linkage'));
  if (!url) {
    warn(ctx, r, 'online resource without linkage URL dropped');
    return undefined;
  }
  const out: OnlineResource = { url };
  assign(out, 'protocol', textAt(r, gmd('protocol')));
  assign(out, 'applicationProfile', textAt(r, gmd('applicationProfile')));
  assign(out, 'name', textAt(r, gmd('name')));
  assign(out, 'description', textAt(r, gmd('description')));
  assign(out, 'function', code(first(r, gmd('function'))));
  return out;
}
