/** srv:SV_ServiceIdentification specifics -> ServiceInfo (type, versions, coupling, operations, operatesOn). */
import type { CoupledResource, OperatesOn, ServiceInfo, ServiceOperation } from '../types.ts';
import { attribute, first, firstElement, select, textOf, type Step, type XmlElement } from '../xml/index.ts';
import { NS_SRV, NS_XLINK } from './namespaces.ts';
import { assign, code, gmd, text, textAt, warn, type ReadContext } from './read-context.ts';

const srv = (local: string): Step => [NS_SRV, local];

export function readService(ctx: ReadContext, ident: XmlElement): ServiceInfo {
  const type = text(first(ident, srv('serviceType')));
  if (!type) warn(ctx, ident, 'service without srv:serviceType');
  const out: ServiceInfo = {
    type: type ?? '',
    typeVersions: select(ident, srv('serviceTypeVersion')).map(text).filter((v): v is string => !!v),
    operations: select(ident, srv('containsOperations'), ['*', '*']).map(readOperation).filter((o): o is ServiceOperation => !!o),
    operatesOn: select(ident, srv('operatesOn')).map(readOperatesOn).filter((o): o is OperatesOn => !!o),
    coupledResources: readCoupled(ctx, ident),
  };
  assign(out, 'couplingType', code(first(ident, srv('couplingType'))));
  return out;
}

function readOperation(op: XmlElement): ServiceOperation | undefined {
  const name = textAt(op, srv('operationName'));
  if (!name) return undefined;
  return {
    name,
    dcp: select(op, srv('DCP')).map(code).filter((d): d is string => !!d),
    urls: select(op, srv('connectPoint'), ['*', '*'])
      .map((r) => textAt(r, gmd('linkage')))
      .filter((u): u is string => !!u),
  };
}

/** srv:operatesOn is a by-reference property: @uuidref, @xlink:href, @xlink:title (no content expected). */
function readOperatesOn(prop: XmlElement): OperatesOn | undefined {
  const out: OperatesOn = {};
  assign(out, 'uuidref', attribute(prop, '', 'uuidref')?.trim() || undefined);
  assign(out, 'href', attribute(prop, NS_XLINK, 'href')?.trim() || undefined);
  assign(out, 'title', attribute(prop, NS_XLINK, 'title')?.trim() || undefined);
  // Some producers inline the dataset's MD_DataIdentification instead of referencing it: keep its title.
  if (!out.title) assign(out, 'title', textAt(first(firstElement(prop), gmd('citation'), ['*', '*']), gmd('title')));
  return Object.keys(out).length ? out : undefined;
}

function readCoupled(ctx: ReadContext, ident: XmlElement): CoupledResource[] {
  const out: CoupledResource[] = [];
  for (const c of select(ident, srv('coupledResource'), ['*', '*'])) {
    const identifier = textAt(c, srv('identifier'));
    if (!identifier) {
      warn(ctx, c, 'coupled resource without srv:identifier dropped');
      continue;
    }
    const resource: CoupledResource = { identifier };
    assign(resource, 'operationName', textAt(c, srv('operationName')));
    const scoped = first(c, ['*', 'ScopedName']);
    assign(resource, 'layerName', scoped ? textOf(scoped).trim() || undefined : undefined);
    out.push(resource);
  }
  return out;
}
