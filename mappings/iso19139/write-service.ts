/** ISO 19139 writer for srv:SV_ServiceIdentification (ISO 19119 Amd 1, as INSPIRE service metadata uses it). */
import type { MdRecord, ServiceInfo, ServiceOperation } from '../types.ts';
import { identificationCommon } from './write-identification.ts';
import { extent } from './write-extent.ts';
import { onlineResource } from './write-party.ts';
import { toAnyUri } from './write-uri.ts';
import { codeList, has, nil, setAttribute, setText, text, type Node, type WriteContext } from './write-xml.ts';

/** Whether the record describes a service (and gets SV_ServiceIdentification). */
export function isService(rec: MdRecord): boolean {
  return rec.hierarchyLevel === 'service' || rec.service !== undefined;
}

/**
 * srv:SV_ServiceIdentification: the common identification part, then serviceType, serviceTypeVersion,
 * srv:extent, coupledResource, couplingType, containsOperations, operatesOn — the XSD sequence. serviceType,
 * couplingType and at least one containsOperations are mandatory and written nil when unknown.
 */
export function serviceIdentification(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  const el = parent.ele('gmd:identificationInfo').ele('srv:SV_ServiceIdentification');
  identificationCommon(ctx, el, rec);
  const s: ServiceInfo = rec.service ?? {
    type: '',
    typeVersions: [],
    operations: [],
    operatesOn: [],
    coupledResources: [],
  };
  if (has(s.type)) setText(el.ele('srv:serviceType').ele('gco:LocalName'), s.type);
  else nil(el, 'srv:serviceType');
  for (const v of s.typeVersions) text(ctx, el, 'srv:serviceTypeVersion', v);
  extent(ctx, el, 'srv:extent', rec);
  coupledResources(ctx, el, s);
  codeList(el, 'srv:couplingType', 'srv:SV_CouplingType', s.couplingType);
  if (s.operations.length === 0) nil(el, 'srv:containsOperations');
  for (const op of s.operations) operation(ctx, el, op);
  for (const o of s.operatesOn) {
    const ref = el.ele('srv:operatesOn');
    if (has(o.uuidref)) setAttribute(ref, 'uuidref', o.uuidref);
    if (has(o.href)) setAttribute(ref, 'xlink:href', toAnyUri(o.href));
    if (has(o.title)) setAttribute(ref, 'xlink:title', o.title);
  }
}

/** srv:coupledResource: operationName and identifier are mandatory, the layer is a gco:ScopedName. */
function coupledResources(ctx: WriteContext, el: Node, s: ServiceInfo): void {
  for (const c of s.coupledResources) {
    const cr = el.ele('srv:coupledResource').ele('srv:SV_CoupledResource');
    text(ctx, cr, 'srv:operationName', c.operationName, { nilReason: 'missing' });
    text(ctx, cr, 'srv:identifier', c.identifier, { nilReason: 'missing' });
    if (has(c.layerName)) setText(cr.ele('gco:ScopedName'), c.layerName);
  }
}

/** srv:containsOperations/SV_OperationMetadata: name, DCP (1..*), connectPoint (1..*), in XSD order. */
function operation(ctx: WriteContext, parent: Node, op: ServiceOperation): void {
  const md = parent.ele('srv:containsOperations').ele('srv:SV_OperationMetadata');
  text(ctx, md, 'srv:operationName', op.name, { nilReason: 'missing' });
  const dcps = op.dcp.filter(has);
  if (dcps.length === 0) nil(md, 'srv:DCP');
  for (const dcp of dcps) codeList(md, 'srv:DCP', 'srv:DCPList', dcp);
  const urls = op.urls.filter(has);
  if (urls.length === 0) nil(md, 'srv:connectPoint');
  for (const url of urls) onlineResource(ctx, md, 'srv:connectPoint', { url });
}
