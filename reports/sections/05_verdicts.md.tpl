| verdict | pid | age (h) | RSS (MiB) | frees (MiB) | evidence | argv |
|---|--:|--:|--:|--:|---|---|
{{#ROW}}| {{VERDICT}} | {{PID}} | {{AGE_H}} | {{RSS_MB}} | {{FREES_MB}} | {{EVIDENCE:x-text}} | {{ARGV:x-code}} |
{{/ROW}}
