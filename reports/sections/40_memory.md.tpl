| argv | instances | RSS (MiB) | frees (MiB, USS + swap) | measured |
|---|--:|--:|--:|--:|
{{#ROW}}| {{ARGV:x-code}} | {{INSTANCES}} | {{RSS_MB}} | {{FREES_MB}} | {{MEASURED}} |
{{/ROW}}
