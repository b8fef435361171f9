<table><thead><tr><th>at (UTC)</th><th>rule</th><th class="n">evidence snapshot</th><th class="n">pid</th><th>argv</th><th>outcome</th><th class="n">frees (MiB)</th></tr></thead>
<tbody>{{#ROW}}<tr><td>{{AT:h}}</td><td>{{RULE:h}}</td><td class="n">{{EVIDENCE_SNAPSHOT_ID:h}}</td><td class="n">{{PID:h}}</td><td class="argv">{{ARGV:h}}</td><td>{{OUTCOME:h}}</td><td class="n">{{FREES_MB:h}}</td></tr>
{{/ROW}}</tbody></table>
