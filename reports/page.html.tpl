<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE:h}}</title>
<style>
body { font-family: system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 62em; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
.meta { color: #555; }
.headline { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }
.headline div { border: 1px solid #ccc; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
.headline b { display: block; font-size: 1.6em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.8em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.argv { font-family: ui-monospace, monospace; word-break: break-all; }
figure { margin: 0.8em 0; }
svg { max-width: 100%; height: auto; }
code { font-family: ui-monospace, monospace; background: #f4f4f4; padding: 0.1em 0.3em; }
.cmd { font-size: 0.85em; color: #444; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid-page; } .cmd { color: #000; } }
</style>
</head>
<body>
<h1>{{TITLE:h}}</h1>
<p class="meta">Trail <code>{{TRAIL:h}}</code> · host {{HOST:h}} · window {{SINCE:h}} to {{UNTIL:h}} · snapshot {{SNAPSHOT:h}} · written {{WRITTEN:h}} · every time in UTC{{#FILTER}} · processes matching <code>{{MATCH:h}}</code>{{/FILTER}}</p>
{{#EMPTY}}<p><b>Nothing to report:</b> {{WHY:h}}</p>{{/EMPTY}}
{{#SECTION}}<section id="{{ID:h}}">
<h2>{{HEADING:h}}</h2>
{{BODY}}{{#NONE}}<p>{{LINE:h}}</p>{{/NONE}}
<p class="cmd">Reproduce: <code>{{COMMAND:h}}</code></p>
</section>
{{/SECTION}}
{{#VERIFY}}<section id="verify"><h2>Integrity</h2><p>{{VERDICT:h}}</p><p class="cmd">Reproduce: <code>proctrail verify</code></p></section>{{/VERIFY}}
</body>
</html>
