| rule | most freed in one bucket (MiB) | in the last bucket (MiB) |
|---|--:|--:|
{{#SERIES}}| {{NAME:x-text}} | {{PEAK}} | {{LAST}} |
{{/SERIES}}
