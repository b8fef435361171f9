| at (UTC) | evidence snapshot | kind | pid | container | argv | signal | outcome |
|---|--:|---|--:|---|---|---|---|
{{#ROW}}| {{AT}} | {{EVIDENCE_SNAPSHOT_ID}} | {{TARGET_KIND}} | {{PID}} | {{CONTAINER}} | {{ARGV:x-code}} | {{SIGNAL}} | {{OUTCOME}} |
{{/ROW}}
