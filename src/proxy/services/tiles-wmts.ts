/**
 * What the tile cache needs from an upstream WMTS 1.0.0 capabilities document: per layer its formats, default
 * style, dimensions (their defaults fill `{Time}`…), tile matrix sets and REST ResourceURL templates; per tile
 * matrix set its levels. Read streaming with saxes, namespaces resolved (never literal prefixes: DESIGN.md §3),
 * so a 1.5 MB document (swisstopo: 650 layers) costs one pass.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { Readable } from 'node:stream';
import { HubError } from '../../errors.ts';
import type { MatrixLevel, MatrixSet } from './tiles-grid.ts';

export interface WmtsLayer {
  id: string;
  title: string;
  formats: string[];
  style: string;
  dimensions: Record<string, string>;
  matrixSets: string[];
  /** REST templates by format (resourceType="tile"). */
  templates: Record<string, string>;
}

export interface WmtsContents {
  layers: Map<string, WmtsLayer>;
  matrixSets: Map<string, MatrixSet>;
}

const WMTS = 'http://www.opengis.net/wmts/1.0';
const OWS = 'http://www.opengis.net/ows/1.1';

interface State {
  out: WmtsContents;
  stack: string[];
  text: string;
  layer: WmtsLayer | null;
  set: MatrixSet | null;
  level: Partial<MatrixLevel> | null;
  dim: { id?: string; def?: string } | null;
  styleIsDefault: boolean;
}

function newLayer(): WmtsLayer {
  return { id: '', title: '', formats: [], style: '', dimensions: {}, matrixSets: [], templates: {} };
}

/** `{uri}local` of an element, so that a prefix never matters. */
function qname(tag: SaxesTagNS): string {
  if (tag.uri === WMTS) return `wmts:${tag.local}`;
  if (tag.uri === OWS) return `ows:${tag.local}`;
  return tag.uri ? `{${tag.uri}}${tag.local}` : tag.local;
}

function onOpen(s: State, tag: SaxesTagNS): void {
  const q = qname(tag);
  const parent = s.stack[s.stack.length - 1];
  s.stack.push(q);
  s.text = '';
  if (q === 'wmts:Layer' && parent === 'wmts:Contents') s.layer = newLayer();
  else if (q === 'wmts:TileMatrixSet' && parent === 'wmts:Contents') s.set = { id: '', crs: '', levels: [] };
  else if (q === 'wmts:TileMatrix' && s.set) s.level = {};
  else if (q === 'wmts:Dimension' && s.layer) s.dim = {};
  else if (q === 'wmts:Style' && s.layer) s.styleIsDefault = tag.attributes.isDefault?.value === 'true';
  else if (q === 'wmts:ResourceURL' && s.layer && tag.attributes.resourceType?.value === 'tile') {
    const format = tag.attributes.format?.value ?? '';
    const template = tag.attributes.template?.value ?? '';
    if (template) s.layer.templates[format] = template;
  }
}

function closeLevel(s: State, q: string, text: string): void {
  const l = s.level!;
  if (q === 'ows:Identifier') l.id = text;
  else if (q === 'wmts:ScaleDenominator') l.scaleDenominator = Number(text);
  else if (q === 'wmts:TopLeftCorner') l.topLeft = text.split(/\s+/).map(Number).slice(0, 2) as [number, number];
  else if (q === 'wmts:TileWidth') l.tileWidth = Number(text);
  else if (q === 'wmts:TileHeight') l.tileHeight = Number(text);
  else if (q === 'wmts:MatrixWidth') l.matrixWidth = Number(text);
  else if (q === 'wmts:MatrixHeight') l.matrixHeight = Number(text);
  else if (q === 'wmts:TileMatrix') {
    s.set!.levels.push(l as MatrixLevel);
    s.level = null;
  }
}

function closeLayer(s: State, q: string, parent: string, text: string): void {
  const layer = s.layer!;
  if (s.dim) {
    if (q === 'ows:Identifier') s.dim.id = text;
    else if (q === 'wmts:Default') s.dim.def = text;
    else if (q === 'wmts:Dimension') {
      if (s.dim.id && s.dim.def !== undefined) layer.dimensions[s.dim.id] = s.dim.def;
      s.dim = null;
    }
    return;
  }
  if (q === 'ows:Identifier' && parent === 'wmts:Layer') layer.id = text;
  else if (q === 'ows:Title' && parent === 'wmts:Layer') layer.title = text;
  else if (q === 'wmts:Format' && parent === 'wmts:Layer') layer.formats.push(text);
  else if (q === 'ows:Identifier' && parent === 'wmts:Style' && (s.styleIsDefault || !layer.style)) layer.style = text;
  else if (q === 'wmts:TileMatrixSet' && parent === 'wmts:TileMatrixSetLink') layer.matrixSets.push(text);
  else if (q === 'wmts:Layer') {
    if (layer.id) s.out.layers.set(layer.id, layer);
    s.layer = null;
  }
}

function onClose(s: State): void {
  const q = s.stack.pop()!;
  const parent = s.stack[s.stack.length - 1];
  const text = s.text.trim();
  s.text = '';
  if (s.level) closeLevel(s, q, text);
  else if (s.layer) closeLayer(s, q, parent, text);
  else if (s.set) {
    if (q === 'ows:Identifier') s.set.id = text;
    else if (q === 'ows:SupportedCRS') s.set.crs = text;
    else if (q === 'wmts:WellKnownScaleSet') s.set.wellKnownScaleSet = text;
    else if (q === 'wmts:TileMatrixSet') {
      if (s.set.id) s.out.matrixSets.set(s.set.id, s.set);
      s.set = null;
    }
  }
}

/** Parses a WMTS capabilities stream; throws upstream_unavailable when it is not one. */
export async function readWmtsCapabilities(body: Readable | AsyncIterable<Buffer>, where: string): Promise<WmtsContents> {
  const s: State = { out: { layers: new Map(), matrixSets: new Map() }, stack: [], text: '', layer: null, set: null,
    level: null, dim: null, styleIsDefault: false };
  // No DTD handling in saxes: entities beyond the XML five are an error, so no expansion attack.
  const parser = new SaxesParser({ xmlns: true });
  let root = '';
  parser.on('opentag', (tag) => {
    if (!root) root = qname(tag);
    onOpen(s, tag);
  });
  parser.on('closetag', () => onClose(s));
  parser.on('text', (t) => { s.text += t; });
  // A streaming decoder: a multi-byte character may be split between two chunks.
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of body) parser.write(decoder.decode(chunk as Buffer, { stream: true }));
    parser.write(decoder.decode());
    parser.close();
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError('upstream_unavailable', `The WMTS capabilities of ${where} are not well-formed XML: ${(err as Error).message}`, { cause: err });
  }
  if (root !== 'wmts:Capabilities') {
    throw new HubError('upstream_unavailable', `${where} did not answer a WMTS 1.0.0 capabilities document (root ${root || 'none'}).`);
  }
  return s.out;
}
