<table><thead><tr><th class="n">run</th><th>at (UTC)</th><th>rule</th><th>mode</th><th class="n">evidence snapshot</th><th class="n">targets</th><th>outcomes</th></tr></thead>
<tbody>{{#ROW}}<tr><td class="n">{{RUN_ID:h}}</td><td>{{AT:h}}</td><td>{{RULE:h}}</td><td>{{MODE:h}}</td><td class="n">{{EVIDENCE_SNAPSHOT_ID:h}}</td><td class="n">{{TARGETS:h}}</td><td>{{OUTCOMES:h}}</td></tr>
{{/ROW}}</tbody></table>
