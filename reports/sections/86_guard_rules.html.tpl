<table><thead><tr><th>rule</th><th class="n">runs</th><th class="n">targets</th><th>outcomes</th><th class="n">freed (MiB, USS + swap)</th></tr></thead>
<tbody>{{#ROW}}<tr><td>{{RULE:h}}</td><td class="n">{{RUNS:h}}</td><td class="n">{{TARGETS:h}}</td><td>{{OUTCOMES:h}}</td><td class="n">{{FREED_MB:h}}</td></tr>
{{/ROW}}</tbody></table>
