<figure>{{CHART}}</figure>
<table><thead><tr><th>parent</th><th class="n">spawned</th><th class="n">distinct argv</th><th>example argv</th></tr></thead>
<tbody>{{#ROW}}<tr><td class="argv">{{PARENT:h}}</td><td class="n">{{SPAWNED:h}}</td><td class="n">{{DISTINCT_ARGV:h}}</td><td class="argv">{{EXAMPLE_ARGV:h}}</td></tr>
{{/ROW}}</tbody></table>
