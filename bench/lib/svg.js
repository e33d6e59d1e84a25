// A grouped bar chart (one group per scenario, one bar per client) of messages/s, as plain SVG.
// One colour per client: the run has eleven, and a palette that wraps gave two clients one colour.
const COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#bab0ac',
  '#d62728',
  '#1f3a93',
  '#9c755f',
  '#17becf',
];

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

export function barChartSvg(rows, { scenarios, clients, title }) {
  const barW = 11;
  const groupGap = 26;
  const groupW = clients.length * barW + groupGap;
  const left = 70;
  const top = 40;
  const plotH = 260;
  const width = left + scenarios.length * groupW + 220;
  const height = top + plotH + 60;
  const max = Math.max(1, ...rows.map((r) => r.msgsPerSec ?? 0));
  const step = niceStep(max / 5);
  const yMax = Math.ceil(max / step) * step;
  const y = (v) => top + plotH - (v / yMax) * plotH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let v = 0; v <= yMax; v += step) {
    out.push(
      `<line x1="${left}" x2="${left + scenarios.length * groupW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  scenarios.forEach((s, si) => {
    const gx = left + si * groupW + groupGap / 2;
    clients.forEach((c, ci) => {
      const r = rows.find((x) => x.scenario === s && x.client === c);
      const x = gx + ci * barW;
      if (r?.msgsPerSec > 0) {
        out.push(
          `<rect x="${x}" y="${y(r.msgsPerSec)}" width="${barW - 2}" height="${top + plotH - y(r.msgsPerSec)}" fill="${COLORS[ci % COLORS.length]}"><title>${esc(`${c} ${s}: ${fmt(r.msgsPerSec)} msgs/s`)}</title></rect>`,
        );
      } else {
        // No bar: the client failed, is unsupported, or was not installed.
        out.push(`<text x="${x + 4}" y="${top + plotH - 3}" font-size="9" fill="#999">x</text>`);
      }
    });
    out.push(
      `<text x="${gx + (clients.length * barW) / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(s)}</text>`,
    );
  });
  const lx = left + scenarios.length * groupW + 16;
  clients.forEach((c, ci) => {
    out.push(
      `<rect x="${lx}" y="${top + ci * 18}" width="12" height="12" fill="${COLORS[ci % COLORS.length]}"/>`,
      `<text x="${lx + 18}" y="${top + ci * 18 + 10}">${esc(c)}</text>`,
    );
  });
  out.push(
    `<text x="${left}" y="${height - 12}" fill="#555">messages/s, median of runs (x = no result: failed, unsupported or not installed)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function fmt(v) {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(0)}k`;
  return String(Math.round(v));
}
