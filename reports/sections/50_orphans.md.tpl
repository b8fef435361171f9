| pid | started | age (h) | RSS (MiB) | argv | ppid now | how | original parent | parent gone by | family |
|--:|---|--:|--:|---|--:|---|---|---|---|
{{#ROW}}| {{PID}} | {{START_TIME}} | {{AGE_H}} | {{RSS_MB}} | {{ARGV:x-code}} | {{PPID_NOW}} | {{HOW}} | {{ORIGINAL_PARENT_PID}} {{ORIGINAL_PARENT_ARGV:x-code}} | {{PARENT_GONE_BY}} | {{FAMILY}} |
{{/ROW}}
