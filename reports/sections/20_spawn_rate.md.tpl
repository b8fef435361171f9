| parent | spawned | distinct argv | example argv |
|---|--:|--:|---|
{{#ROW}}| {{PARENT:x-code}} | {{SPAWNED}} | {{DISTINCT_ARGV}} | {{EXAMPLE_ARGV:x-code}} |
{{/ROW}}
