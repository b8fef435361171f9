<table><thead><tr><th>container</th><th>name</th><th>image</th><th>state</th><th class="n">age (h)</th><th class="n">processes</th><th class="n">RSS (MiB)</th><th>likely creator</th></tr></thead>
<tbody>{{#ROW}}<tr><td>{{CONTAINER:h}}</td><td>{{NAME:h}}</td><td>{{IMAGE:h}}</td><td>{{STATE:h}}</td><td class="n">{{AGE_H:h}}</td><td class="n">{{PROCESSES:h}}</td><td class="n">{{RSS_MB:h}}</td><td class="argv">{{CREATOR:h}}</td></tr>
{{/ROW}}</tbody></table>
