# {{TITLE}}

Trail `{{TRAIL}}` · host {{HOST}} · window {{SINCE}} to {{UNTIL}} · snapshot {{SNAPSHOT}} · written {{WRITTEN}}{{#FILTER}} · processes matching `{{MATCH}}`{{/FILTER}}
{{#EMPTY}}
**Nothing to report:** {{WHY}}
{{/EMPTY}}{{#SECTION}}
## {{HEADING}}

{{BODY}}
Reproduce: `{{COMMAND}}`
{{/SECTION}}{{#VERIFY}}
## Integrity

{{VERDICT}}

Reproduce: `proctrail verify`
{{/VERIFY}}
