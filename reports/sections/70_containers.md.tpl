| container | name | image | state | age (h) | processes | RSS (MiB) | likely creator |
|---|---|---|---|--:|--:|--:|---|
{{#ROW}}| {{CONTAINER}} | {{NAME:x-text}} | {{IMAGE:x-text}} | {{STATE}} | {{AGE_H}} | {{PROCESSES}} | {{RSS_MB}} | {{CREATOR:x-code}} |
{{/ROW}}
