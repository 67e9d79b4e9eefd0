// Interactive t-SNE view of a report: draws window.TSNE_POINTS ([x, y, rowId, trueLabel, predicted,
// cluster]) on a canvas; hovering shows the nearest point. No libraries, works from file:// too.
'use strict';
(function () {
  const pts = window.TSNE_POINTS || [];
  const canvas = document.getElementById('view');
  const tip = document.getElementById('tip');
  const select = document.getElementById('colour');
  if (!canvas || pts.length === 0) return;
  const ctx = canvas.getContext('2d');
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]);
    minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
  }
  const pad = 12;
  const sx = (x) => pad + (x - minX) / ((maxX - minX) || 1) * (canvas.width - 2 * pad);
  const sy = (y) => canvas.height - pad - (y - minY) / ((maxY - minY) || 1) * (canvas.height - 2 * pad);
  function draw() {
    const byCluster = select && select.value === 'cluster';
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const p of pts) {
      const g = byCluster ? p[5] : (p[3] >= 0 ? p[3] : p[4]);
      ctx.fillStyle = palette[g % palette.length];
      ctx.fillRect(sx(p[0]) - 1.5, sy(p[1]) - 1.5, 3, 3);
      if (p[3] >= 0 && p[3] !== p[4]) { // misclassified: ringed
        ctx.strokeStyle = '#000';
        ctx.strokeRect(sx(p[0]) - 2.5, sy(p[1]) - 2.5, 5, 5);
      }
    }
  }
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const mx = (e.clientX - r.left) * canvas.width / r.width;
    const my = (e.clientY - r.top) * canvas.height / r.height;
    let best = null, bd = 64;
    for (const p of pts) {
      const d = (sx(p[0]) - mx) ** 2 + (sy(p[1]) - my) ** 2;
      if (d < bd) { bd = d; best = p; }
    }
    if (!best) { tip.hidden = true; return; }
    tip.hidden = false;
    tip.textContent = 'row ' + best[2] + ' · true ' + (best[3] >= 0 ? best[3] : '?') + ' · predicted ' + best[4] + ' · cluster ' + best[5];
    tip.style.left = (e.pageX + 12) + 'px';
    tip.style.top = (e.pageY + 12) + 'px';
  });
  canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
  if (select) select.addEventListener('change', draw);
  draw();
})();
