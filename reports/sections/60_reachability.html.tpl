<table><thead><tr><th class="n">pid</th><th>verdict</th><th>stdin</th><th class="n">other holders</th><th>stdout</th><th class="n">other holders</th><th class="n">listening</th><th>argv</th></tr></thead>
<tbody>{{#ROW}}<tr><td class="n">{{PID:h}}</td><td>{{VERDICT:h}}</td><td>{{STDIN:h}}</td><td class="n">{{STDIN_OTHER_HOLDERS:h}}</td><td>{{STDOUT:h}}</td><td class="n">{{STDOUT_OTHER_HOLDERS:h}}</td><td class="n">{{LISTENING_SOCKETS:h}}</td><td class="argv">{{ARGV:h}}</td></tr>
{{/ROW}}</tbody></table>
