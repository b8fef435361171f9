| argv | instances | RSS (MiB) | frees (MiB, USS + swap) | measured |
|---|--:|--:|--:|--:|
{{#ROW}}| `{{ARGV}}` | {{INSTANCES}} | {{RSS_MB}} | {{FREES_MB}} | {{MEASURED}} |
{{/ROW}}
