<table><thead><tr><th class="n">pid</th><th>started</th><th class="n">age (h)</th><th class="n">RSS (MiB)</th><th>argv</th><th class="n">ppid now</th><th>original parent</th><th>parent gone by</th></tr></thead>
<tbody>{{#ROW}}<tr><td class="n">{{PID:h}}</td><td>{{START_TIME:h}}</td><td class="n">{{AGE_H:h}}</td><td class="n">{{RSS_MB:h}}</td><td class="argv">{{ARGV:h}}</td><td class="n">{{PPID_NOW:h}}</td><td class="argv">{{ORIGINAL_PARENT_PID:h}} {{ORIGINAL_PARENT_ARGV:h}}</td><td>{{PARENT_GONE_BY:h}}</td></tr>
{{/ROW}}</tbody></table>
