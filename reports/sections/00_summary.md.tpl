{{#ROW}}- **{{SUSPECTS}}** suspect processes now
- **{{SUSPECT_RSS_MB}} MiB** RSS they hold
- **{{OLDEST_SUSPECT_H}} h** oldest suspect's age
- **{{INSTANCES_AT_START}} → {{INSTANCES_NOW}}** matching processes, {{WINDOW_START}} → {{REPORTED_AT}}
{{/ROW}}
