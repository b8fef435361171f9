| container | name | image | state | age (h) | processes | RSS (MiB) | likely creator |
|---|---|---|---|--:|--:|--:|---|
{{#ROW}}| {{CONTAINER}} | {{NAME}} | {{IMAGE}} | {{STATE}} | {{AGE_H}} | {{PROCESSES}} | {{RSS_MB}} | `{{CREATOR}}` |
{{/ROW}}
