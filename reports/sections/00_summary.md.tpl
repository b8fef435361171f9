{{#ROW}}- **{{SUSPECTS}}** suspect processes now ({{BY_VERDICT}})
- **{{SUSPECT_FREES_MB}} MiB** ending them frees (USS + swap of the {{SUSPECTS_MEASURED}} measured)
- **{{SUSPECT_RSS_MB}} MiB** RSS they hold (shared pages counted once per process)
- **{{OLDEST_SUSPECT_H}} h** oldest suspect's age
- **{{INSTANCES_AT_START}} → {{INSTANCES_NOW}}** matching processes, {{WINDOW_START}} → {{REPORTED_AT}}
{{/ROW}}
