"""The page shell: inline CSS and a small inline script (no network, no external files).

The script records JavaScript errors in ``#js-errors``, adds a hover crosshair with the time
under the pointer to time charts, and finally marks ``<body data-rendered="1">`` with the number
of drawn charts in ``data-charts`` so a headless browser test can see that the page rendered.
"""

from __future__ import annotations

CSS = """
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--strategy:#2563eb;--benchmark:#9ca3af;--price:#374151;
--buy:#16a34a;--sell:#dc2626;--light:#f59e0b;--moderate:#ea580c;--severe:#991b1b}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;
background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:18px 28px}
header h1{margin:0 0 6px;font-size:22px}
header .meta{display:flex;flex-wrap:wrap;gap:18px;font-size:13px;color:#d1d5db}
header code{color:#f9fafb}
main{max-width:1160px;margin:0 auto;padding:8px 20px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:12px 18px}
section h2{font-size:16px;margin:4px 0 8px}
.audit{padding:1px 8px;border-radius:10px;font-weight:600}
.audit.ok{background:#166534;color:#fff}.audit.failed{background:#b91c1c;color:#fff}
.audit.unknown{background:#4b5563;color:#fff}
svg.chart{width:100%;height:auto;display:block}
.plot-bg{fill:#fff}.grid{stroke:var(--line);stroke-width:1}
.tick{font-size:11px;fill:var(--muted)}.tick.y{text-anchor:end}
.series{fill:none;stroke-width:1.4;stroke-linejoin:round}
.series.strategy{stroke:var(--strategy)}.series.benchmark{stroke:var(--benchmark)}
.series.price{stroke:var(--price);stroke-width:1}.series.confidence{stroke:#a78bfa;stroke-width:1}
.series.best-fitness{stroke:var(--strategy);stroke-width:2}.series.mean-fitness{stroke:#f59e0b;stroke-width:2}
.area.drawdown{fill:rgba(220,38,38,.25);stroke:none}.series.drawdown-line{stroke:#dc2626;stroke-width:1}
.trade-marker.buy path{fill:var(--buy)}.trade-marker.sell path{fill:var(--sell)}
.decision-dots{fill:none;stroke-width:4;stroke-linecap:round;stroke:#6b7280}
.decision-dots.act-buy{stroke:var(--buy)}.decision-dots.act-sell{stroke:var(--sell)}
.decision-dots.act-hold{stroke:#9ca3af;stroke-width:2.5}
.scar-marker circle{stroke:#fff;stroke-width:1}
.scar-marker.light circle,.scar-bar.light{fill:var(--light)}
.scar-marker.moderate circle,.scar-bar.moderate{fill:var(--moderate)}
.scar-marker.severe circle,.scar-bar.severe{fill:var(--severe)}
.fold-boundary{stroke:#9ca3af;stroke-dasharray:4 3}
.lineage-edge{stroke:#cbd5e1}.lineage-node circle{fill:var(--strategy)}
.population-bar{fill:#e0e7ff}.bar-label{font-size:11px;fill:var(--fg)}
.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin:2px 0 4px}
.swatch{display:inline-block;width:12px;height:10px;margin-right:5px;border-radius:2px;background:#9ca3af}
.swatch.strategy{background:var(--strategy)}.swatch.price{background:var(--price)}
.swatch.buy,.swatch.act-buy{background:var(--buy)}.swatch.sell,.swatch.act-sell{background:var(--sell)}
.swatch.drawdown{background:rgba(220,38,38,.5)}.swatch.confidence{background:#a78bfa}
.swatch.light{background:var(--light)}.swatch.moderate{background:var(--moderate)}
.swatch.severe{background:var(--severe)}.swatch.best-fitness{background:var(--strategy)}
.swatch.mean-fitness{background:#f59e0b}.swatch.population-bar{background:#e0e7ff}
table.data,table.heatmap{border-collapse:collapse;font-size:13px}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:4px 12px;text-align:right}
table.data th:first-child{text-align:left}
table.heatmap td,table.heatmap th{padding:4px 6px;text-align:center;min-width:58px;font-size:12px}
table.heatmap td.heat-cell{border:1px solid #fff}
.no-data{color:var(--muted);font-style:italic}.note{color:var(--muted);font-size:12px}
.crosshair{stroke:#111827;stroke-width:.6;pointer-events:none}
.hover-label{font-size:11px;fill:#111827;pointer-events:none}
#js-errors:empty{display:none}#js-errors{color:#b91c1c;white-space:pre-wrap}
"""

SCRIPT = """
(function(){
  var errors=[];
  function report(msg){errors.push(String(msg));var el=document.getElementById('js-errors');
    if(el){el.textContent=errors.join('\\n');}}
  window.addEventListener('error',function(e){report('error: '+e.message);});
  function crosshair(svg){
    var t0=parseFloat(svg.getAttribute('data-t0')),t1=parseFloat(svg.getAttribute('data-t1'));
    var x0=parseFloat(svg.getAttribute('data-x0')),x1=parseFloat(svg.getAttribute('data-x1'));
    if(!(t1>t0)||!(x1>x0)){return;}
    var ns='http://www.w3.org/2000/svg',vb=svg.viewBox.baseVal;
    var ln=document.createElementNS(ns,'line'),tx=document.createElementNS(ns,'text');
    ln.setAttribute('class','crosshair');ln.setAttribute('y1',0);ln.setAttribute('y2',vb.height);
    tx.setAttribute('class','hover-label');tx.setAttribute('y',11);
    ln.style.display=tx.style.display='none';svg.appendChild(ln);svg.appendChild(tx);
    svg.addEventListener('mousemove',function(ev){
      var r=svg.getBoundingClientRect(),x=(ev.clientX-r.left)*vb.width/r.width;
      if(x<x0||x>x1){ln.style.display=tx.style.display='none';return;}
      var t=t0+(x-x0)/(x1-x0)*(t1-t0);
      ln.setAttribute('x1',x);ln.setAttribute('x2',x);
      tx.setAttribute('x',Math.min(x+4,vb.width-120));
      tx.textContent=new Date(t*1000).toISOString().slice(0,16).replace('T',' ');
      ln.style.display=tx.style.display='';});
    svg.addEventListener('mouseleave',function(){ln.style.display=tx.style.display='none';});
  }
  function done(){
    try{
      var charts=document.querySelectorAll('svg.chart'),drawn=0;
      for(var i=0;i<charts.length;i++){
        if(charts[i].childElementCount>0){drawn++;}
        if(charts[i].hasAttribute('data-t0')){crosshair(charts[i]);}
      }
      document.body.setAttribute('data-charts',String(drawn));
      document.body.setAttribute('data-rendered','1');
    }catch(e){report('render: '+e);}
  }
  if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',done);}else{done();}
})();
"""


def page(title: str, header: str, sections: str) -> str:
    """The full document; ``title`` must already be escaped."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{title}</title><style>{CSS}</style></head>"
        f'<body data-rendered="0">{header}<main><pre id="js-errors"></pre>{sections}</main>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )
