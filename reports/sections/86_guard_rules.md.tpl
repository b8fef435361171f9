| rule | runs | targets | outcomes | freed (MiB, USS + swap) |
|---|--:|--:|---|--:|
{{#ROW}}| {{RULE:x-text}} | {{RUNS}} | {{TARGETS}} | {{OUTCOMES:x-text}} | {{FREED_MB}} |
{{/ROW}}
