<table><thead><tr><th>at (UTC)</th><th class="n">evidence snapshot</th><th>kind</th><th class="n">pid</th><th>container</th><th>argv</th><th>signal</th><th>outcome</th></tr></thead>
<tbody>{{#ROW}}<tr><td>{{AT:h}}</td><td class="n">{{EVIDENCE_SNAPSHOT_ID:h}}</td><td>{{TARGET_KIND:h}}</td><td class="n">{{PID:h}}</td><td>{{CONTAINER:h}}</td><td class="argv">{{ARGV:h}}</td><td>{{SIGNAL:h}}</td><td>{{OUTCOME:h}}</td></tr>
{{/ROW}}</tbody></table>
