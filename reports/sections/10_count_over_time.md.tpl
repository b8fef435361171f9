| argv | first count | last count | peak |
|---|--:|--:|--:|
{{#SERIES}}| {{NAME:x-code}} | {{FIRST}} | {{LAST}} | {{PEAK}} |
{{/SERIES}}
