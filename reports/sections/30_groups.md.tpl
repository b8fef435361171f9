| started (hour, or minute when all are under 6 h old; UTC) | instances | RSS (MiB) | first start | last start |
|---|--:|--:|---|---|
{{#ROW}}| {{STARTED}} | {{INSTANCES}} | {{RSS_MB}} | {{FIRST_START}} | {{LAST_START}} |
{{/ROW}}
