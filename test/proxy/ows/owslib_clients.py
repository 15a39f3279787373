"""OWSLib (Debian's python3-owslib, the library behind QGIS MetaSearch and many scripts) as a real client of the
hub's /ows endpoints. Usage: owslib_clients.py wms|wmts|wfs <url> [layer]; prints one JSON object.

OWSLib reads the capabilities and then calls the operation URLs they announce (DCP), so a map, a tile or
features coming back prove that the rewritten capabilities lead to the hub and that the hub relays the answer."""
import json
import sys

from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService
from owslib.wmts import WebMapTileService


def wms(url, layer):
    service = WebMapService(url, version='1.3.0')
    name = layer or list(service.contents)[0]
    get_map = service.getOperationByName('GetMap').methods[0]['url']
    img = service.getmap(layers=[name], styles=[''], srs='EPSG:3857', bbox=(-20037508.34, -20037508.34, 20037508.34, 20037508.34),
                         size=(256, 256), format='image/png', transparent=True)
    data = img.read()
    return {'layers': list(service.contents), 'getMapUrl': get_map, 'png': data[:8] == b'\x89PNG\r\n\x1a\n', 'bytes': len(data)}


def wmts(url, layer):
    service = WebMapTileService(url)
    name = layer or list(service.contents)[0]
    matrix_set = list(service.contents[name].tilematrixsetlinks)[0]
    matrix = list(service.tilematrixsets[matrix_set].tilematrix)[1]
    tile = service.gettile(layer=name, tilematrixset=matrix_set, tilematrix=matrix, row=1, column=1, format='image/png')
    data = tile.read()
    resource_urls = [r['template'] for r in service.contents[name].resourceURLs]
    return {'layers': list(service.contents), 'matrixSet': matrix_set, 'png': data[:8] == b'\x89PNG\r\n\x1a\n', 'bytes': len(data),
            'tileUrl': tile.geturl(), 'templates': resource_urls}


def wfs(url, layer):
    service = WebFeatureService(url, version='2.0.0')
    name = layer or list(service.contents)[0]
    get_feature = [m['url'] for m in service.getOperationByName('GetFeature').methods]
    response = service.getfeature(typename=[name], maxfeatures=2)
    data = response.read()
    if isinstance(data, bytes):
        data = data.decode('utf-8')
    return {'layers': list(service.contents), 'getFeatureUrls': get_feature, 'body': data}


if __name__ == '__main__':
    kind, url = sys.argv[1], sys.argv[2]
    layer = sys.argv[3] if len(sys.argv) > 3 else None
    print(json.dumps({'wms': wms, 'wmts': wmts, 'wfs': wfs}[kind](url, layer)))
