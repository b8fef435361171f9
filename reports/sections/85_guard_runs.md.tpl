| run | at (UTC) | rule | mode | evidence snapshot | targets | outcomes |
|--:|---|---|---|--:|--:|---|
{{#ROW}}| {{RUN_ID}} | {{AT}} | {{RULE:x-text}} | {{MODE}} | {{EVIDENCE_SNAPSHOT_ID}} | {{TARGETS}} | {{OUTCOMES:x-text}} |
{{/ROW}}
