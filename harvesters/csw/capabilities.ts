/**
 * What a CSW 2.0.2 GetCapabilities document says the harvester needs (OGC 07-006r1 §10.5, OWS 1.0 §7.4):
 * the GET / POST URLs of GetRecords, the output schemas and type names it offers, its constraint languages,
 * its ISO and Dublin Core queryables, MaxRecordDefault and the comparison operators of its Filter_Capabilities.
 * Pure: from the parsed document to a plain object. A capabilities document limited to some sections (pycsw's
 * `sections=` answers) gives empty lists, which the planner reads as "not said".
 */
import { attribute, elements, first, select, textOf, type Step, type XmlElement } from '../../mappings/xml/index.ts';
import { NS_CSW, NS_OGC } from './requests.ts';

const NS_OWS = ['http://www.opengis.net/ows', 'http://www.opengis.net/ows/1.1'];
const NS_XLINK = 'http://www.w3.org/1999/xlink';
const NS_SOAP = ['http://www.w3.org/2003/05/soap-envelope', 'http://schemas.xmlsoap.org/soap/envelope/'];

const ows = (local: string): Step => [NS_OWS, local];
const ogc = (local: string): Step => [NS_OGC, local];

export interface CswCapabilities {
  /** DCP URLs of GetRecords (xlink:href of ows:Get / ows:Post). */
  getRecords: { get?: string; post?: string };
  /** GetRecords outputSchema values. */
  outputSchemas: string[];
  /** GetRecords typeNames values as written (csw:Record, gmd:MD_Metadata). */
  typeNames: string[];
  /** GetRecords CONSTRAINTLANGUAGE values, upper case (FILTER, CQL_TEXT). */
  constraintLanguages: string[];
  /** Supported ISO (and additional) queryables: local names in lower case (`modified`, `identifier`). */
  isoQueryables: string[];
  /** Supported Dublin Core queryables as written, lower case (`dct:modified`, `dc:identifier`). */
  dcQueryables: string[];
  /** ogc:ComparisonOperator values (GreaterThanEqualTo…); empty when Filter_Capabilities is absent. */
  comparisonOperators: string[];
  maxRecordDefault?: number;
}

/** Reads the capabilities from the document root (csw:Capabilities, or a SOAP envelope around it). */
export function parseCapabilities(root: XmlElement): CswCapabilities {
  const caps = unwrapSoap(root);
  if (!(caps.uri === NS_CSW && caps.local === 'Capabilities')) {
    throw new Error(`not a CSW 2.0.2 capabilities document: root element {${caps.uri}}${caps.local}`);
  }
  const metadata = first(caps, ows('OperationsMetadata'));
  const getRecords = select(metadata, ows('Operation')).find((op) => attribute(op, '', 'name')?.toLowerCase() === 'getrecords');
  const out: CswCapabilities = {
    getRecords: dcpUrls(getRecords),
    outputSchemas: parameterValues(getRecords, 'outputSchema'),
    typeNames: [...new Set([...parameterValues(getRecords, 'typeNames'), ...parameterValues(getRecords, 'typeName')])],
    constraintLanguages: parameterValues(getRecords, 'constraintLanguage').map((v) => v.toUpperCase()),
    isoQueryables: [...constraintValues(getRecords, 'SupportedISOQueryables'), ...constraintValues(getRecords, 'AdditionalQueryables')]
      .map((v) => v.replace(/^[^:]*:/, '').toLowerCase()),
    dcQueryables: constraintValues(getRecords, 'SupportedDublinCoreQueryables').map((v) => v.toLowerCase()),
    comparisonOperators: select(caps, ogc('Filter_Capabilities'), ogc('Scalar_Capabilities'), ogc('ComparisonOperators'), ogc('ComparisonOperator'))
      .map((e) => textOf(e).trim()),
  };
  const max = Number(constraintValues(getRecords, 'MaxRecordDefault')[0] ?? constraintValues(metadata, 'MaxRecordDefault')[0]);
  if (Number.isInteger(max) && max > 0) out.maxRecordDefault = max;
  return out;
}

function unwrapSoap(root: XmlElement): XmlElement {
  if (!(NS_SOAP.includes(root.uri) && root.local === 'Envelope')) return root;
  const body = select(root, [NS_SOAP, 'Body'])[0];
  return elements(body ?? root)[0] ?? root;
}

function dcpUrls(op: XmlElement | undefined): { get?: string; post?: string } {
  const http = select(op, ows('DCP'), ows('HTTP'));
  const href = (local: string): string | undefined => {
    for (const h of http) {
      for (const e of select(h, ows(local))) {
        const v = attribute(e, NS_XLINK, 'href')?.trim();
        if (v) return v;
      }
    }
    return undefined;
  };
  const out: { get?: string; post?: string } = {};
  const get = href('Get');
  const post = href('Post');
  if (get) out.get = get;
  if (post) out.post = post;
  return out;
}

/** ows:Parameter values of an operation, the name compared case-insensitively (GeoNetwork writes CONSTRAINTLANGUAGE). */
function parameterValues(op: XmlElement | undefined, name: string): string[] {
  return namedValues(op, 'Parameter', name);
}

function constraintValues(el: XmlElement | undefined, name: string): string[] {
  return namedValues(el, 'Constraint', name);
}

function namedValues(el: XmlElement | undefined, kind: string, name: string): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  for (const p of select(el, ows(kind))) {
    if (attribute(p, '', 'name')?.toLowerCase() !== wanted) continue;
    // OWS 1.0 lists ows:Value directly; OWS 1.1 nests them in ows:AllowedValues.
    const values = [...select(p, ows('Value')), ...select(p, ows('AllowedValues'), ows('Value'))];
    for (const v of values) {
      const t = textOf(v).trim();
      if (t) out.push(t);
    }
  }
  return out;
}
