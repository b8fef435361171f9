| argv | instances | RSS (MiB) | average (MiB) |
|---|--:|--:|--:|
{{#ROW}}| `{{ARGV}}` | {{INSTANCES}} | {{RSS_MB}} | {{AVG_RSS_MB}} |
{{/ROW}}
