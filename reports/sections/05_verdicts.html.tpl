<table><thead><tr><th>verdict</th><th class="n">pid</th><th class="n">age (h)</th><th class="n">RSS (MiB)</th><th class="n">frees (MiB)</th><th>evidence</th><th>argv</th></tr></thead>
<tbody>{{#ROW}}<tr><td>{{VERDICT:h}}</td><td class="n">{{PID:h}}</td><td class="n">{{AGE_H:h}}</td><td class="n">{{RSS_MB:h}}</td><td class="n">{{FREES_MB:h}}</td><td>{{EVIDENCE:h}}</td><td class="argv">{{ARGV:h}}</td></tr>
{{/ROW}}</tbody></table>
