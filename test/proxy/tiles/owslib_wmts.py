"""Reads the hub's WMTS capabilities with OWSLib's WebMapTileService (QGIS' Python stack) and fetches one
tile through them. Prints JSON: layers, matrix sets, the ResourceURL templates, and the tile's size/signature.
Usage: owslib_wmts.py <capabilities url> <layer> <matrix set> <tile matrix> <row> <col>"""
import json
import sys

from owslib.wmts import WebMapTileService

url, layer, tms, matrix, row, col = sys.argv[1:7]
wmts = WebMapTileService(url)
tile = wmts.gettile(layer=layer, tilematrixset=tms, tilematrix=matrix, row=int(row), column=int(col), format='image/png')
data = tile.read()
print(json.dumps({
    'title': wmts.identification.title,
    'layers': sorted(wmts.contents.keys()),
    'matrixSets': sorted(wmts.tilematrixsets.keys()),
    'levels': len(wmts.tilematrixsets[tms].tilematrix),
    'templates': [r['template'] for r in wmts.contents[layer].resourceURLs],
    'restonly': wmts.restonly,
    'tileBytes': len(data),
    'tileSignature': data[:8].hex(),
}))
