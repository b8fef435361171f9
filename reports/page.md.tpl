# {{TITLE}}

Trail {{TRAIL:x-code}} · host {{HOST:x-text}} · window {{SINCE}} to {{UNTIL}} · snapshot {{SNAPSHOT}} · written {{WRITTEN}} · every time in UTC{{#FILTER}} · processes matching {{MATCH:x-code}}{{/FILTER}}
{{#EMPTY}}
**Nothing to report:** {{WHY}}
{{/EMPTY}}{{#SECTION}}
## {{HEADING}}

{{BODY}}{{#NONE}}{{LINE:x-text}}
{{/NONE}}
Reproduce: {{COMMAND:x-code}}
{{/SECTION}}{{#VERIFY}}
## Integrity

{{VERDICT}}

Reproduce: `proctrail verify`
{{/VERIFY}}
