| parent | spawned | distinct argv | example argv |
|---|--:|--:|---|
{{#ROW}}| `{{PARENT}}` | {{SPAWNED}} | {{DISTINCT_ARGV}} | `{{EXAMPLE_ARGV}}` |
{{/ROW}}
