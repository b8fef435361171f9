{{#ROW}}<div class="headline">
<div><b>{{SUSPECTS:h}}</b>suspect processes now ({{BY_VERDICT:h}})</div>
<div><b>{{SUSPECT_FREES_MB:h}} MiB</b>ending them frees (USS + swap of the {{SUSPECTS_MEASURED:h}} measured)</div>
<div><b>{{SUSPECT_RSS_MB:h}} MiB</b>RSS they hold (shared pages counted once per process)</div>
<div><b>{{OLDEST_SUSPECT_H:h}} h</b>oldest suspect's age</div>
<div><b>{{INSTANCES_AT_START:h}} → {{INSTANCES_NOW:h}}</b>matching processes, {{WINDOW_START:h}} → {{REPORTED_AT:h}}</div>
</div>{{/ROW}}
