#!/usr/bin/env bash
# The HTML report checked in a real browser (issue 8): renders the deterministic history of
# proctrail_report_fixture, then in headless Chromium
#   a. takes a screenshot (ARTIFACTS/report.png, for a person to look at);
#   b. fails on any console message while loading the report: the page has no scripts, so a message
#      is Chromium reporting a problem, e.g. "Error: <path> attribute d: Expected number";
#   c. measures, in a copy of the page with a probe script (the report itself stays script-free),
#      every chart: one <svg> per <figure>, each at least 300x150 px with at least 3 drawn shapes;
#   d. checks that the Markdown summary's numbers are the HTML headline's.
# Usage: check_report.sh PATH/TO/proctrail_report_fixture ARTIFACTS_DIR
# Exit 77 (skipped) without Chromium, unless PROCTRAIL_REQUIRE_BROWSER=1. scripts/setup installs it.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

(($# == 2)) || fail "usage: $0 PATH/TO/proctrail_report_fixture ARTIFACTS_DIR"
fixture=$(realpath -m -- "$1")
artifacts=$(realpath -m -- "$2")
[[ -x $fixture ]] || fail "fixture $fixture is not an executable"
command -v python3 >/dev/null || fail "python3 is needed to read the probe's measurements"

browser=
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null; then
    browser=$(command -v "$candidate")
    break
  fi
done
if [[ -z $browser ]]; then
  if [[ ${PROCTRAIL_REQUIRE_BROWSER:-0} == 1 ]]; then
    fail "no chromium or chromium-browser on PATH and PROCTRAIL_REQUIRE_BROWSER=1 (scripts/setup installs it)"
  fi
  echo "SKIP: no chromium or chromium-browser on PATH (scripts/setup installs it)" >&2
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-browser-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
rm -f "$artifacts"/report.png "$artifacts"/report.html "$artifacts"/report.md "$artifacts"/probe.json "$artifacts"/*.log

# Time labels are local time: UTC makes the page, and so the screenshot, the same on every machine.
export TZ=UTC
"$fixture" "$work/out" >"$work/fixture.log" 2>&1 || fail "the fixture failed: $(tail -n 1 "$work/fixture.log")"
html=$work/out/report.html
md=$work/out/report.md
[[ -s $html && -s $md ]] || fail "the fixture wrote no report.html or report.md in $work/out"
cp "$html" "$md" "$artifacts"/
grep -qi '<script' "$html" && fail "report.html has a <script>: the report must stay script-free"

# One browser run: a fresh profile each time, no GPU, /tmp instead of a possibly small /dev/shm, and a
# time limit so a hung browser fails the test instead of ctest's TIMEOUT killing it silently.
run_browser() {
  local profile
  profile=$(mktemp -d "$work/profile-XXXXXX")
  timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --no-first-run --no-default-browser-check --disable-extensions --user-data-dir="$profile" "$@"
}

# a. Screenshot, full width of a laptop screen, tall enough for every section.
run_browser --window-size=1200,4000 --screenshot="$artifacts/report.png" "file://$html" >"$work/screenshot.log" 2>&1 \
  || fail "chromium --screenshot exited $? (log: $(grep -v dbus "$work/screenshot.log" | tail -n 1))"
[[ -f $artifacts/report.png ]] || fail "chromium wrote no screenshot at $artifacts/report.png"
png_bytes=$(stat -c %s "$artifacts/report.png")
# A blank 1200x4000 page compresses to about 22 KB, a heading and a line of text to 26 KB; this report
# to about 450 KB.
((png_bytes > 100000)) || fail "the screenshot is only $png_bytes bytes: the page looks (nearly) blank"

# b. Console messages while loading the original page. This Chromium logs every console message as
#    [pid:tid:time:INFO:CONSOLE:line] "text", source: URL (line) whatever its level, so every one
#    counts; the dbus/GPU noise of a headless run does not match.
run_browser --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom "file://$html" \
  >"$work/console.dom" 2>"$work/console.log" || fail "chromium --dump-dom exited $? on the report"
cp "$work/console.log" "$artifacts/console.log"
if grep -E ':CONSOLE[:(]|Uncaught' "$work/console.log" >"$work/console.errors"; then
  fail "the report logged $(wc -l <"$work/console.errors") console message(s), first: $(head -n 1 "$work/console.errors" | sed -E 's/^\[[^]]*\] //')"
fi
grep -q '</html>' "$work/console.dom" || fail "chromium --dump-dom gave no document for the report"

# c. Charts drew: a copy with a probe that measures each <svg> in a <figure> once the page is laid out.
cat >"$work/probe.js" <<'EOF'
<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  function measure() {
    var charts = [];
    document.querySelectorAll('figure svg').forEach(function (svg) {
      var box = svg.getBoundingClientRect(), drawn = 0, shapes = 0;
      svg.querySelectorAll('path, line, polyline, rect, circle').forEach(function (shape) {
        shapes++;
        try {
          var b = shape.getBBox();
          if (b.width > 0 || b.height > 0) drawn++;
        } catch (e) { errors.push('getBBox: ' + e); }
      });
      var section = svg.closest('section');
      charts.push({section: section ? section.id : '', width: box.width, height: box.height, shapes: shapes, drawn: drawn});
    });
    var out = document.createElement('pre');
    out.id = 'probe';
    out.textContent = JSON.stringify({figures: document.querySelectorAll('figure').length, charts: charts, errors: errors});
    document.body.appendChild(out);
  }
  if (document.readyState === 'complete') measure(); else window.addEventListener('load', measure);
})();
</script>
EOF
python3 - "$html" "$work/probe.js" "$work/probe.html" <<'EOF' || fail "could not inject the probe into a copy of report.html"
import sys
page, probe, out = (open(sys.argv[1], encoding='utf-8').read(), open(sys.argv[2], encoding='utf-8').read(), sys.argv[3])
at = page.rfind('</body>')
if at < 0:
    sys.exit('no </body>')
open(out, 'w', encoding='utf-8').write(page[:at] + probe + page[at:])
EOF
run_browser --window-size=1200,4000 --virtual-time-budget=5000 --dump-dom "file://$work/probe.html" \
  >"$work/probe.dom" 2>"$work/probe.log" || fail "chromium --dump-dom exited $? on the probed copy"
python3 - "$work/probe.dom" "$html" "$artifacts/probe.json" <<'EOF' || exit 1
import html, json, re, sys
dom, report, keep = sys.argv[1:4]
found = re.search(r'<pre id="probe">(.*?)</pre>', open(dom, encoding='utf-8').read(), re.S)
if not found:
    sys.exit('FAIL: the probe wrote no measurements (did the page load? see chromium --dump-dom output)')
probe = json.loads(html.unescape(found.group(1)))
open(keep, 'w').write(json.dumps(probe, indent=1) + '\n')
if probe['errors']:
    sys.exit('FAIL: the probed page raised: ' + probe['errors'][0])
figures = len(re.findall(r'<figure[\s>]', open(report, encoding='utf-8').read()))
charts = probe['charts']
if figures != 4:
    sys.exit(f'FAIL: the report has {figures} <figure> elements, expected 4 (count over time, spawn rate, groups, memory)')
if len(charts) != figures:
    sys.exit(f'FAIL: {len(charts)} charts drew in {figures} <figure> elements')
for c in charts:
    name = c['section'] or '?'
    if c['width'] < 300 or c['height'] < 150:
        sys.exit(f"FAIL: chart in section {name} is {c['width']:.0f}x{c['height']:.0f} px, expected at least 300x150")
    if c['drawn'] < 3:
        sys.exit(f"FAIL: chart in section {name} drew {c['drawn']} of {c['shapes']} shapes, expected at least 3")
print('charts: ' + ', '.join(f"{c['section']} {c['width']:.0f}x{c['height']:.0f} px {c['drawn']} shapes" for c in charts))
EOF

# d. Every number in the Markdown summary lines ("- **N** suspect processes now", "- **X MiB** RSS they
#    hold", ...) is in the HTML headline, and each bold value is a bold value there.
python3 - "$md" "$html" <<'EOF' || exit 1
import html, re, sys
md, page = (open(p, encoding='utf-8').read() for p in sys.argv[1:3])
summary = re.search(r'^## Summary\n(.*?)(?=^## |\Z)', md, re.M | re.S)
lines = re.findall(r'^- \*\*(.+?)\*\* (.*)$', summary.group(1), re.M) if summary else []
if not any(rest.startswith('suspect processes now') for _, rest in lines) or not any(rest.startswith('RSS they hold') for _, rest in lines):
    sys.exit('FAIL: report.md has no "- **N** suspect processes now" / "- **X MiB** RSS they hold" summary lines')
headline = re.search(r'<div class="headline">(.*?)</div>\s*</div>', page, re.S)
if not headline:
    sys.exit('FAIL: report.html has no <div class="headline">')
bold = [html.unescape(b) for b in re.findall(r'<b>(.*?)</b>', headline.group(1), re.S)]
text = html.unescape(re.sub(r'<[^>]+>', ' ', headline.group(1)))
for value, rest in lines:
    if value not in bold:
        sys.exit(f'FAIL: the Markdown summary says **{value}** {rest}; the HTML headline has no <b>{value}</b> (it has {bold})')
    for number in re.findall(r'[0-9]+(?:\.[0-9]+)?', value + ' ' + rest):
        if not re.search(r'(?<![0-9.])' + re.escape(number) + r'(?![0-9]|\.[0-9])', text):
            sys.exit(f'FAIL: {number} from the Markdown summary line "{value} {rest}" is not in the HTML headline')
print('headline: ' + '; '.join(f'{v} {r}' for v, r in lines) + ' (same in both formats)')
EOF

echo "PASS: report.html drew its charts without console messages; screenshot $artifacts/report.png ($png_bytes bytes)"
