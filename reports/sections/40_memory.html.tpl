<figure>{{CHART}}</figure>
<table><thead><tr><th>argv</th><th class="n">instances</th><th class="n">RSS (MiB)</th><th class="n">frees (MiB, USS + swap)</th><th class="n">measured</th></tr></thead>
<tbody>{{#ROW}}<tr><td class="argv">{{ARGV:h}}</td><td class="n">{{INSTANCES:h}}</td><td class="n">{{RSS_MB:h}}</td><td class="n">{{FREES_MB:h}}</td><td class="n">{{MEASURED:h}}</td></tr>
{{/ROW}}</tbody></table>
