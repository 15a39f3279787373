/**
 * The OpenAPI 3.0 definition of the OGC API - Records service (Records /req/oas30): exactly the paths and
 * parameters recordsRoutes serves, each parameter defined once in `components`. STYLE §11: the records
 * publisher declares its fragment (`recordsOpenApi`), the hub assembles the document (`openApiDocument`) and a
 * test validates it.
 */
import type { PublisherResponse } from '../native/records.ts';
import { base, checkJsonOnly, jsonResponse, type RecordsDeps, type RecordsRequest } from './context.ts';
import { SORTABLE_NAMES } from './filter.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from './params.ts';
import { MEDIA } from './urls.ts';

type Obj = Record<string, unknown>;

const ref = (kind: 'parameters' | 'schemas' | 'responses', name: string): Obj => ({ $ref: `#/components/${kind}/${name}` });

function query(name: string, description: string, schema: Obj, extra: Obj = {}): Obj {
  return { name, in: 'query', required: false, description, schema, ...extra };
}

const csv = (description: string, items: Obj = { type: 'string' }): Obj =>
  ({ type: 'array', items, description });

const PARAMETERS: Obj = {
  f: query('f', 'Representation: json (the default for clients that do not ask for HTML) or html.',
    { type: 'string', enum: ['json', 'html'] }),
  fJson: query('f', 'Representation: JSON only.', { type: 'string', enum: ['json'] }),
  lang: query('lang', 'Language of the HTML pages and titles (French by default, else Accept-Language).',
    { type: 'string', enum: ['fr', 'en'] }),
  collectionId: { name: 'collectionId', in: 'path', required: true, description: '`all`, or the id of a harvest source.',
    schema: { type: 'string' } },
  recordId: { name: 'recordId', in: 'path', required: true,
    description: 'The identifier the record is published under (its fileIdentifier), or the hub record id.', schema: { type: 'string' } },
  q: query('q', 'Free text, case and accent insensitive: comma-separated alternatives, each a phrase whose words must appear in that order.',
    csv('Search terms'), { style: 'form', explode: false }),
  bbox: query('bbox', 'minLon,minLat,maxLon,maxLat (CRS84), optionally with heights; matches records with a box intersecting it.',
    { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } }, { style: 'form', explode: false }),
  datetime: query('datetime', 'An RFC 3339 instant or date, or an interval start/end with `..` for an open end. Matched against the '
    + 'temporal extent, or the metadata date of records without one.', { type: 'string' }, { style: 'form', explode: false }),
  type: query('type', 'Resource types (dataset, series, service…), any of them.', csv('Types'), { style: 'form', explode: false }),
  ids: query('ids', 'Record identifiers, any of them.', csv('Identifiers'), { style: 'form', explode: false }),
  externalIds: query('externalIds', 'Resource identifiers: `code`, `codeSpace:code`, or `codeSpace:` for every code of a space.',
    csv('External identifiers', { type: 'string', pattern: '([^:]+:)?[^:]+' }), { style: 'form', explode: false }),
  limit: query('limit', `Records per page (larger values are served as ${MAX_LIMIT}).`,
    { type: 'integer', minimum: 1, default: DEFAULT_LIMIT }, { style: 'form', explode: false }),
  offset: query('offset', 'Number of records to skip (the `next` and `prev` links carry it).',
    { type: 'integer', minimum: 0, default: 0 }, { style: 'form', explode: false }),
  sortby: query('sortby', `Sort keys, \`-\` for descending: ${SORTABLE_NAMES.join(', ')}.`,
    { type: 'array', minItems: 1, items: { type: 'string', pattern: '[+|-]?[A-Za-z_].*' } }, { style: 'form', explode: false }),
};

const LINK = {
  type: 'object', required: ['href', 'rel'],
  properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' },
    hreflang: { type: 'string' } },
};

const links = { type: 'array', items: ref('schemas', 'link') };

const SCHEMAS: Obj = {
  link: LINK,
  exception: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, description: { type: 'string' } } },
  landingPage: { type: 'object', required: ['links'], properties: { title: { type: 'string' }, description: { type: 'string' }, links } },
  confClasses: { type: 'object', required: ['conformsTo'], properties: { conformsTo: { type: 'array', items: { type: 'string' } } } },
  catalog: {
    type: 'object', required: ['id', 'type', 'title', 'itemType', 'links'],
    properties: { id: { type: 'string' }, type: { type: 'string', enum: ['Collection'] }, itemType: { type: 'string', enum: ['record'] },
      title: { type: 'string' }, description: { type: 'string' }, extent: { type: 'object' }, links },
  },
  catalogs: { type: 'object', required: ['collections', 'links'],
    properties: { collections: { type: 'array', items: ref('schemas', 'catalog') }, links } },
  record: {
    type: 'object', required: ['id', 'type', 'time', 'geometry', 'properties', 'links'],
    properties: { id: { type: 'string' }, type: { type: 'string', enum: ['Feature'] }, conformsTo: { type: 'array', items: { type: 'string' } },
      time: { type: 'object', nullable: true }, geometry: { type: 'object', nullable: true },
      properties: { type: 'object', required: ['type', 'title'] }, links },
  },
  records: {
    type: 'object', required: ['type', 'features', 'links'],
    properties: { type: { type: 'string', enum: ['FeatureCollection'] }, features: { type: 'array', items: ref('schemas', 'record') },
      numberMatched: { type: 'integer' }, numberReturned: { type: 'integer' }, timeStamp: { type: 'string', format: 'date-time' }, links },
  },
};

const error = (description: string): Obj => ({ description, content: { [MEDIA.json]: { schema: ref('schemas', 'exception') } } });

const RESPONSES: Obj = {
  badRequest: error('A query parameter is invalid or unknown.'),
  notFound: error('No such collection or record.'),
  serverError: error('The hub could not answer.'),
};

function ok(description: string, content: Record<string, string | null>): Obj {
  const out: Obj = {};
  for (const [type, schema] of Object.entries(content)) out[type] = schema ? { schema: ref('schemas', schema) } : {};
  return { description, content: out };
}

function get(operationId: string, summary: string, params: string[], okResponse: Obj, notFound = false): Obj {
  const responses: Obj = { 200: okResponse, 400: ref('responses', 'badRequest'), 500: ref('responses', 'serverError') };
  if (notFound) responses[404] = ref('responses', 'notFound');
  return { get: { operationId, summary, tags: ['Records'], parameters: params.map((p) => ref('parameters', p)), responses } };
}

const FORMAT = ['f', 'lang'];
const ITEMS = ['collectionId', ...FORMAT, 'q', 'bbox', 'datetime', 'type', 'ids', 'externalIds', 'limit', 'offset', 'sortby'];

/** The records publisher's part of the hub's OpenAPI document. */
export function recordsOpenApi(): { paths: Obj; components: Obj } {
  const html = { [MEDIA.html]: null };
  return {
    paths: {
      '/': get('getLandingPage', 'Landing page', FORMAT, ok('Links to the API definition, conformance and collections.',
        { [MEDIA.json]: 'landingPage', ...html })),
      '/conformance': get('getConformance', 'Conformance classes', FORMAT, ok('The classes implemented.',
        { [MEDIA.json]: 'confClasses', ...html })),
      '/openapi': get('getOpenApi', 'This API definition', ['fJson'], ok('OpenAPI 3.0 document.', { [MEDIA.openapi]: null })),
      '/collections': get('getCollections', 'The catalogues: all records, and one per harvest source', FORMAT,
        ok('The catalogues.', { [MEDIA.json]: 'catalogs', [MEDIA.catalog]: 'catalogs', ...html })),
      '/collections/{collectionId}': get('getCollection', 'One catalogue', ['collectionId', ...FORMAT],
        ok('The catalogue, its extent and links.', { [MEDIA.json]: 'catalog', [MEDIA.catalog]: 'catalog', ...html }), true),
      '/collections/{collectionId}/sortables': get('getSortables', 'Properties records can be sorted on', ['collectionId', 'fJson'],
        ok('A JSON Schema of the sortables.', { [MEDIA.schema]: null }), true),
      '/collections/{collectionId}/items': get('getRecords', 'Search the records of a catalogue', ITEMS,
        ok('A page of records.', { [MEDIA.geojson]: 'records', ...html }), true),
      '/collections/{collectionId}/items/{recordId}': get('getRecord', 'One record', ['collectionId', 'recordId', ...FORMAT],
        ok('The record.', { [MEDIA.geojson]: 'record', ...html }), true),
    },
    components: { parameters: PARAMETERS, schemas: SCHEMAS, responses: RESPONSES },
  };
}

/** The whole OpenAPI document for this hub. */
export function openApiDocument(baseUrl: string): Obj {
  const { paths, components } = recordsOpenApi();
  return {
    openapi: '3.0.3',
    info: {
      title: 'moisson — OGC API - Records',
      version: '1.0.0',
      description: 'Harvested geographic metadata, republished as OGC API - Records - Part 1: Core.',
      license: { name: 'EUPL-1.2', url: 'https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12' },
    },
    servers: [{ url: baseUrl }],
    tags: [{ name: 'Records', description: 'OGC API - Records - Part 1: Core' }],
    paths,
    components,
  };
}

/** `GET /openapi`: JSON only. */
export function openApiResponse(deps: RecordsDeps, req: RecordsRequest): PublisherResponse {
  checkJsonOnly(req);
  return jsonResponse(openApiDocument(base(deps)), MEDIA.openapi);
}
