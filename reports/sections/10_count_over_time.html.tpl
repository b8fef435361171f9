<figure>{{CHART}}</figure>
