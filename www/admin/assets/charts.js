// charts.js — the few charts of the console, drawn by chart.js (the UMD
// build of Debian's libjs-chart.js, linked as assets/vendor/chart.umd.min.js;
// it sets window.Chart). Without
// it the numbers still show; the chart spots say so.

import { T } from './texts.js';
import { h } from './dom.js';

const COLORS = ['#e4393c', '#ff9f1c', '#2ec4b6', '#3a86ff', '#8338ec', '#8d99ae'];

export const chartsAvailable = () => typeof window.Chart === 'function';

// A chart in a sized box: returns { node, update(labels, datasets), destroy() }.
export function chart(kind, { horizontal = false, height = 240, stacked = false, yTitle = '' } = {}) {
  const canvas = h('canvas', { role: 'img' });
  const node = h('div', { class: 'chart', 'data-height': String(height) }, canvas);
  node.style.height = height + 'px'; // CSSOM, allowed by the CSP (no inline style attribute in HTML)
  if (!chartsAvailable()) {
    node.replaceChildren(h('p', { class: 'muted' }, T.chartsMissing));
    return { node, update() {}, destroy() {} };
  }
  let instance = null;
  return {
    node,
    update(labels, datasets) {
      const data = {
        labels,
        datasets: datasets.map((d, i) => ({ backgroundColor: COLORS[i % COLORS.length], borderColor: COLORS[i % COLORS.length], borderWidth: kind === 'line' ? 2 : 0, pointRadius: 0, ...d })),
      };
      if (instance) {
        instance.data = data;
        instance.update('none');
        return;
      }
      instance = new window.Chart(canvas, {
        type: kind,
        data,
        options: {
          animation: false,
          maintainAspectRatio: false,
          indexAxis: horizontal ? 'y' : 'x',
          plugins: { legend: { display: datasets.length > 1 } },
          scales: {
            x: { stacked, ticks: { autoSkip: true, maxRotation: 0 } },
            y: { stacked, beginAtZero: true, title: { display: !!yTitle, text: yTitle } },
          },
        },
      });
    },
    destroy() { if (instance) instance.destroy(); instance = null; },
  };
}
