"""Reads CSW 2.0.2 responses the way QGIS MetaSearch does: through OWSLib's own CatalogueServiceWeb code.

Tests only (test/publish/csw). OWSLib needs a server; instead its HTTP functions are replaced by ones that
answer with the document under test, so the request building, response checks and parsing that run are
OWSLib's unchanged. Jobs come as a JSON list on stdin, results go to stdout as a JSON list:
  {"kind": "capabilities", "file": ...}
  {"kind": "getrecords", "file": ..., "outputschema": ..., "esn": ...}
  {"kind": "getrecordbyid", "file": ..., "outputschema": ..., "esn": ...}
  {"kind": "getdomain", "file": ..., "dtype": "parameter" | "property", "name": ...}
Any job whose document is an ows:ExceptionReport gives {"exception": {code, locator, text}}.
"""
import json
import sys
import types
import warnings
from io import BytesIO

from owslib import ows
from owslib.catalogue import csw2

URL = 'http://hub.example.invalid/csw'

# OWSLib's FutureWarnings about its own keyword properties are noise here.
warnings.simplefilter('ignore', FutureWarning)


def serve(doc):
    csw2.openURL = lambda *a, **k: BytesIO(doc)
    csw2.http_post = lambda *a, **k: types.SimpleNamespace(content=doc)


def bbox(b):
    if b is None or b.minx is None:
        return None
    return [float(b.minx), float(b.miny), float(b.maxx), float(b.maxy)]


def dc_record(r):
    return {'identifier': r.identifier, 'title': r.title, 'type': r.type, 'abstract': r.abstract,
            'subjects': r.subjects, 'modified': r.modified, 'references': r.references, 'bbox': bbox(r.bbox)}


def iso_record(r):
    ident = r.identification
    service = r.serviceidentification
    # MD_DataIdentification only has .bbox when the record has an extent.
    return {'identifier': r.identifier, 'hierarchy': r.hierarchy,
            'title': ident.title if ident else None,
            'bbox': bbox(getattr(ident, 'bbox', None)),
            'servicetype': service.type if service else None}


def records(csw, outputschema):
    convert = iso_record if outputschema == 'http://www.isotc211.org/2005/gmd' else dc_record
    return [convert(r) for r in csw.records.values()]


def run(job):
    with open(job['file'], 'rb') as f:
        serve(f.read())
    kind = job['kind']
    if kind == 'capabilities':
        csw = csw2.CatalogueServiceWeb(URL)
        get_records = csw.get_operation_by_name('GetRecords')
        return {'title': csw.identification.title, 'provider': csw.provider.name,
                'operations': [o.name for o in csw.operations],
                'getrecords_constraints': {c.name: c.values for c in get_records.constraints},
                'getrecords_parameters': get_records.parameters,
                'get_url': [m['url'] for m in get_records.methods if m['type'].lower() == 'get'],
                'spatial_operators': csw.filters.spatial_operators,
                'comparison_operators': csw.filters.scalar_comparison_operators}
    csw = csw2.CatalogueServiceWeb(URL, skip_caps=True)
    if kind == 'getrecords':
        csw.getrecords2(esn=job['esn'], outputschema=job['outputschema'])
        return {'results': csw.results, 'records': records(csw, job['outputschema'])}
    if kind == 'getrecordbyid':
        csw.getrecordbyid(id=['any'], esn=job['esn'], outputschema=job['outputschema'])
        return {'records': records(csw, job['outputschema'])}
    if kind == 'getdomain':
        csw.getdomain(job['name'], job['dtype'])
        return {'results': csw.results}
    raise ValueError('unknown job kind ' + kind)


def safe(job):
    try:
        return run(job)
    except ows.ExceptionReport as e:
        return {'exception': {'code': e.code, 'locator': e.locator, 'text': e.msg}}


print(json.dumps([safe(job) for job in json.load(sys.stdin)]))
