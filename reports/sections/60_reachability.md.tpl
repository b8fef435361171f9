| pid | verdict | stdin | other holders | stdout | other holders | listening | argv |
|--:|---|---|--:|---|--:|--:|---|
{{#ROW}}| {{PID}} | {{VERDICT}} | {{STDIN:x-text}} | {{STDIN_OTHER_HOLDERS}} | {{STDOUT:x-text}} | {{STDOUT_OTHER_HOLDERS}} | {{LISTENING_SOCKETS}} | {{ARGV:x-code}} |
{{/ROW}}
