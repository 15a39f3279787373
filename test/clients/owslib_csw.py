#!/usr/bin/python3
"""Drives a CSW endpoint with OWSLib the way QGIS MetaSearch does, and prints what it saw as JSON.

Usage: owslib_csw.py <csw url> <scenario> [args...]
Scenarios:
  capabilities                     -> identification, operations, constraints, output schemas
  page <outputschema> <esn> <n>    -> pages through every record n at a time (MetaSearch's loop)
  anytext <term> <outputschema>    -> PropertyIsLike csw:AnyText %term% (MetaSearch's keyword search)
  bbox <minx> <miny> <maxx> <maxy> -> BBox constraint, lon/lat without a CRS (owslib.fes.BBox)
  bbox-metasearch <minx> <miny> <maxx> <maxy> -> the same box as QGIS MetaSearch sends it (lat/lon, EPSG URN)
  byid <id> <outputschema>         -> getrecordbyid
Run with Debian's python (/usr/bin/python3), which sees python3-owslib.
"""
import json
import sys

from owslib.csw import CatalogueServiceWeb
from owslib.fes import BBox, PropertyIsLike

url, scenario, *args = sys.argv[1:]
csw = CatalogueServiceWeb(url, timeout=30)


def rec_summary(schema, rid, rec):
    if schema == 'http://www.isotc211.org/2005/gmd':
        # OWSLib 0.27 (Debian) has one identification object; newer releases a list of them.
        ident = getattr(rec, 'identification', None)
        if isinstance(ident, list):
            ident = ident[0] if ident else None
        bbox = ident.bbox if ident is not None and getattr(ident, 'bbox', None) is not None else None
        return {
            'key': rid,
            'identifier': rec.identifier,
            'title': ident.title if ident is not None else None,
            'hierarchy': rec.hierarchy,
            'bbox': [bbox.minx, bbox.miny, bbox.maxx, bbox.maxy] if bbox is not None else None,
        }
    return {
        'key': rid,
        'identifier': rec.identifier,
        'title': rec.title,
        'type': rec.type,
        'bbox': [rec.bbox.minx, rec.bbox.miny, rec.bbox.maxx, rec.bbox.maxy] if rec.bbox is not None else None,
        'crs': rec.bbox.crs.code if rec.bbox is not None and rec.bbox.crs is not None else None,
        'subjects': rec.subjects,
        'references': len(rec.references or []),
    }


def results():
    return {'matches': csw.results['matches'], 'returned': csw.results['returned'], 'nextrecord': csw.results['nextrecord']}


if scenario == 'capabilities':
    ops = {op.name: {'methods': [m['type'] for m in op.methods],
                     'constraints': {c.name: c.values for c in op.constraints},
                     'parameters': {k: v.get('values', []) for k, v in op.parameters.items()}}
           for op in csw.operations}
    print(json.dumps({
        'version': csw.version,
        'title': csw.identification.title,
        'abstract': csw.identification.abstract,
        'keywords': csw.identification.keywords,
        'provider': csw.provider.name,
        'operations': ops,
        'filter_spatial': csw.filters.spatial_operators if csw.filters is not None else None,
    }))
elif scenario == 'page':
    schema, esn, n = args[0], args[1], int(args[2])
    typenames = 'gmd:MD_Metadata' if schema == 'http://www.isotc211.org/2005/gmd' else 'csw:Record'
    start, pages, seen = 0, [], []
    while True:
        csw.getrecords2(typenames=typenames, esn=esn, outputschema=schema, startposition=start, maxrecords=n)
        pages.append(results())
        seen.extend(rec_summary(schema, k, r) for k, r in csw.records.items())
        nxt = csw.results['nextrecord']
        if nxt == 0 or csw.results['returned'] == 0 or len(pages) > 1000:
            break
        start = nxt
    print(json.dumps({'pages': pages, 'records': seen}))
elif scenario == 'anytext':
    term, schema = args[0], args[1]
    typenames = 'gmd:MD_Metadata' if schema == 'http://www.isotc211.org/2005/gmd' else 'csw:Record'
    csw.getrecords2(constraints=[PropertyIsLike('csw:AnyText', '%%%s%%' % term)], typenames=typenames,
                    esn='full', outputschema=schema, maxrecords=100)
    print(json.dumps({**results(), 'records': [rec_summary(schema, k, r) for k, r in csw.records.items()]}))
elif scenario in ('bbox', 'bbox-metasearch'):
    minx, miny, maxx, maxy = [float(a) for a in args[:4]]
    if scenario == 'bbox':
        # owslib.fes.BBox without a CRS: no srsName, coordinates longitude/latitude.
        constraint = BBox([minx, miny, maxx, maxy])
    else:
        # QGIS MetaSearch (CSW 2.0.2): latitude/longitude under the EPSG URN, which has that axis order.
        constraint = BBox([miny, minx, maxy, maxx], crs='urn:ogc:def:crs:EPSG::4326')
    csw.getrecords2(constraints=[constraint], esn='full', maxrecords=100)
    print(json.dumps({**results(), 'records': [rec_summary('csw', k, r) for k, r in csw.records.items()]}))
elif scenario == 'byid':
    rid, schema = args[0], args[1]
    csw.getrecordbyid(id=[rid], esn='full', outputschema=schema)
    print(json.dumps({'records': [rec_summary(schema, k, r) for k, r in csw.records.items()]}))
else:
    sys.exit('unknown scenario ' + scenario)
