/**
 * dcat:DataService specifics -> ServiceInfo: GeoDCAT-AP's serviceType (INSPIRE SpatialDataServiceType) or the
 * protocol, the endpoints as operations, dcat:servesDataset as operatesOn.
 */
import type { OperatesOn, ServiceInfo } from '../types.ts';
import { DCAT, DCT, GEODCAT } from './vocab.ts';
import { labelOf, pushUnique, type ReadContext } from './read-context.ts';

export function readService(ctx: ReadContext): ServiceInfo {
  const g = ctx.graph;
  const type = g.objects(ctx.root, GEODCAT('serviceType'))[0]?.value.split(/[/#]/).pop() || 'other';
  const urls = g.objects(ctx.root, DCAT('endpointURL')).map((t) => t.value.trim()).filter(Boolean);
  const operatesOn: OperatesOn[] = [];
  for (const d of g.objects(ctx.root, DCAT('servesDataset'))) {
    const item: OperatesOn = {};
    if (d.termType === 'NamedNode') item.href = d.value;
    const id = g.objects(d, DCT('identifier'))[0]?.value.trim();
    if (id) item.uuidref = id;
    const title = labelOf(ctx, d);
    if (title) item.title = title;
    if (Object.keys(item).length > 0) pushUnique(operatesOn, item);
  }
  return {
    type,
    typeVersions: [],
    operations: urls.length > 0 ? [{ name: 'endpoint', dcp: ['WebServices'], urls }] : [],
    operatesOn,
    coupledResources: [],
  };
}
