| argv | first count | last count | peak |
|---|--:|--:|--:|
{{#SERIES}}| `{{NAME}}` | {{FIRST}} | {{LAST}} | {{PEAK}} |
{{/SERIES}}
