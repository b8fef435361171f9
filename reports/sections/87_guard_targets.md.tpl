| at (UTC) | rule | evidence snapshot | pid | argv | outcome | frees (MiB) |
|---|---|--:|--:|---|---|--:|
{{#ROW}}| {{AT}} | {{RULE:x-text}} | {{EVIDENCE_SNAPSHOT_ID}} | {{PID}} | {{ARGV:x-code}} | {{OUTCOME:x-text}} | {{FREES_MB}} |
{{/ROW}}
