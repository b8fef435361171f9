| pid | started | age (h) | RSS (MiB) | argv | ppid now | original parent | parent gone by |
|--:|---|--:|--:|---|--:|---|---|
{{#ROW}}| {{PID}} | {{START_TIME}} | {{AGE_H}} | {{RSS_MB}} | `{{ARGV}}` | {{PPID_NOW}} | {{ORIGINAL_PARENT_PID}} `{{ORIGINAL_PARENT_ARGV}}` | {{PARENT_GONE_BY}} |
{{/ROW}}
