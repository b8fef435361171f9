| pid | verdict | stdin | other holders | stdout | other holders | listening | argv |
|--:|---|---|--:|---|--:|--:|---|
{{#ROW}}| {{PID}} | {{VERDICT}} | {{STDIN}} | {{STDIN_OTHER_HOLDERS}} | {{STDOUT}} | {{STDOUT_OTHER_HOLDERS}} | {{LISTENING_SOCKETS}} | `{{ARGV}}` |
{{/ROW}}
