<figure>{{CHART}}</figure>
<table><thead><tr><th>started (hour, or minute when all are under 6 h old; UTC)</th><th class="n">instances</th><th class="n">RSS (MiB)</th><th>first start</th><th>last start</th></tr></thead>
<tbody>{{#ROW}}<tr><td>{{STARTED:h}}</td><td class="n">{{INSTANCES:h}}</td><td class="n">{{RSS_MB:h}}</td><td>{{FIRST_START:h}}</td><td>{{LAST_START:h}}</td></tr>
{{/ROW}}</tbody></table>
