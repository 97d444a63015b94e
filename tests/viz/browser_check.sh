#!/bin/sh
# browser_check.sh: a real browser (headless Chromium, Debian package `chromium`)
# loads an SVG drawn by tfc-viz and screenshots it; the check passes when the
# screenshot is not blank (more than one colour among its pixels, and a share of
# non-white pixels). Not part of `make check`: it needs chromium, which setup.sh does
# not install (apt-get install chromium).
#
#   tests/viz/browser_check.sh [GRAPH [OUT_DIR]]
#
# GRAPH defaults to share/examples/graphs/softmax_regression.pbtxt; the SVG and the
# screenshot stay in OUT_DIR (default: a temporary folder, removed at the end).
# Exit 0 pass, 1 blank or failed, 77 chromium missing (automake's "skip").
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
graph=${1:-$top_srcdir/share/examples/graphs/softmax_regression.pbtxt}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "browser_check: no chromium (apt-get install chromium)"; exit 77
fi
if [ -n "$2" ]; then out=$2; mkdir -p "$out"; else
  out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
fi
"$top_builddir/tools/tfc-viz" --expand-all "$graph" -o "$out/graph.svg" || exit 1
# Chromium wants a page: wrap the SVG in an HTML file so it is drawn at its own size.
w=$(sed -n 's/.*<svg[^>]* width="\([0-9.]*\)".*/\1/p' "$out/graph.svg" | head -1)
h=$(sed -n 's/.*<svg[^>]* height="\([0-9.]*\)".*/\1/p' "$out/graph.svg" | head -1)
cat >"$out/page.html" <<HTML
<!DOCTYPE html><html><body style="margin:0;background:#fff"><img src="graph.svg"></body></html>
HTML
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size="${w:-1200},${h:-800}" --screenshot="$out/shot.png" \
  "file://$out/page.html" >"$out/chromium.log" 2>&1
if [ ! -s "$out/shot.png" ]; then
  echo "browser_check: no screenshot (see $out/chromium.log)"; exit 1
fi
# Count the pixels that are not white, with Python's standard library alone.
python3 - "$out/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4}[ctype]
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
colours, ink = set(), 0
for line in rows:
    for x in range(0, stride, bpp):
        px = tuple(line[x:x + 3]); colours.add(px); ink += px != (255, 255, 255)
share = ink / float(w * h)
print("browser_check: %dx%d screenshot, %d colours, %.1f%% non-white pixels" % (w, h, len(colours), 100 * share))
sys.exit(0 if len(colours) > 8 and share > 0.01 else 1)
PY
