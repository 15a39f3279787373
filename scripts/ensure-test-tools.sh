#!/usr/bin/env bash
# Makes sure the external tools the test suite drives are present (npm's "pretest"), so that `npm test`
# works on a fresh Debian machine: xmllint validates ISO 19139 and CSW output against the XSDs; OWSLib (the CSW
# client of QGIS MetaSearch) and rdflib (the RDF parser of udata, data.gouv.fr's harvester) read what the hub
# publishes, run by Debian's own Python (/usr/bin/python3).
# Installs the missing Debian packages when it can (root + apt-get); otherwise says what to install.
set -euo pipefail
missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
# wrk: the load generator of bench/csw and bench/tiles (C: JS clients would take the CPU the hub needs).
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# ss (iproute2): the tests of ACCEPT_COPIES read the listening socket's backlog; bench/tiles counts held connections.
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
/usr/bin/python3 -c 'import owslib' >/dev/null 2>&1 || missing+=(python3-owslib)
/usr/bin/python3 -c 'import rdflib' >/dev/null 2>&1 || missing+=(python3-rdflib)
# The proxy's real upstream (MapProxy) runs under gunicorn (pre-fork WSGI server; also used by bench/tiles).
[ -x /usr/bin/mapproxy-util ] || missing+=(mapproxy)
/usr/bin/python3 -c 'import gunicorn' >/dev/null 2>&1 || missing+=(gunicorn)
# A real WFS 2.0 upstream for the /ows tests: MapServer's CGI program (test/helpers/mapserver.ts); GDAL's gdalinfo and
# ogrinfo are clients of the hub there.
[ -x /usr/lib/cgi-bin/mapserv ] || missing+=(cgi-mapserver)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "moisson tests: installing ${missing[*]} (Debian packages)…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
else
  echo "moisson tests need: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
