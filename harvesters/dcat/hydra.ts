/**
 * Hydra paging as DCAT catalogues publish it (pure): the old vocabulary (hydra:PagedCollection with nextPage,
 * lastPage, totalItems: udata before 2019, CKAN's ckanext-dcat) and the current one (a hydra:Collection with
 * hydra:totalItems and a hydra:PartialCollectionView with next, last). Links arrive as IRIs or as literals
 * (data.gouv.fr's JSON-LD writes them as plain strings), and the view is not always the object of hydra:view
 * (udata's test pages point hydra:view at a different IRI), so every Hydra node of the page is read.
 */
import { HYDRA } from '../../mappings/dcat-ap/vocab.ts';
import type { Graph, Term } from '../../mappings/dcat-ap/rdf.ts';

export interface HydraPaging {
  next?: string;
  last?: string;
  totalItems?: number;
}

const HYDRA_TYPES = [HYDRA('PagedCollection'), HYDRA('PartialCollectionView'), HYDRA('Collection')];

export function readHydra(graph: Graph): HydraPaging {
  const nodes = new Map<string, Term>();
  for (const t of HYDRA_TYPES) for (const n of graph.subjectsOfType(t)) nodes.set(n.value, n);
  for (const n of [...nodes.values()]) for (const v of graph.objects(n, HYDRA('view'))) nodes.set(v.value, v);
  const paging: HydraPaging = {};
  for (const n of nodes.values()) {
    paging.next ??= value(graph, n, [HYDRA('next'), HYDRA('nextPage')]);
    paging.last ??= value(graph, n, [HYDRA('last'), HYDRA('lastPage')]);
    const total = Number(value(graph, n, [HYDRA('totalItems')]));
    if (paging.totalItems === undefined && Number.isInteger(total) && total >= 0 && value(graph, n, [HYDRA('totalItems')]) !== undefined) {
      paging.totalItems = total;
    }
  }
  return paging;
}

function value(graph: Graph, node: Term, predicates: string[]): string | undefined {
  return graph.objectsOfAny(node, predicates).find((t) => t.termType !== 'BlankNode' && t.value.trim())?.value.trim();
}
