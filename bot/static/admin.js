// The staff page: fetches /admin/stats and fills the tables and the per-day chart with text nodes only.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const CHART_DAYS = 60;

  function cell(row, value) {
    const td = document.createElement('td');
    td.textContent = value === null || value === undefined ? '' : String(value);
    row.append(td);
  }

  function fill(id, rows, columns) {
    const body = document.querySelector('#' + id + ' tbody');
    if (!rows.length) {
      const tr = body.insertRow();
      cell(tr, '（暂无）');
      tr.cells[0].colSpan = columns.length;
      return;
    }
    rows.forEach((row) => {
      const tr = body.insertRow();
      columns.forEach((column) => cell(tr, column(row)));
    });
  }

  function chart(perDay) {
    const days = perDay.slice(-CHART_DAYS);
    const box = document.getElementById('chart');
    if (!days.length) {
      box.textContent = '（暂无提问）';
      return;
    }
    const top = Math.max(...days.map((d) => d.n));
    const width = 24, height = 120;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + days.length * width + ' ' + (height + 20));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', '每日提问数：' + days.map((d) => d.day + ' ' + d.n + ' 次').join('，'));
    days.forEach((d, i) => {
      const bar = document.createElementNS(SVG, 'rect');
      const h = Math.max(1, Math.round((d.n / top) * height));
      bar.setAttribute('x', i * width + 3);
      bar.setAttribute('y', height - h);
      bar.setAttribute('width', width - 6);
      bar.setAttribute('height', h);
      bar.setAttribute('class', 'bar');
      const title = document.createElementNS(SVG, 'title');
      title.textContent = d.day + '：' + d.n + ' 次';
      bar.append(title);
      const label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', i * width + width / 2);
      label.setAttribute('y', height + 14);
      label.setAttribute('class', 'day');
      label.textContent = d.day.slice(5);
      svg.append(bar, label);
    });
    box.append(svg);
  }

  function report(plan, key) {
    const r = plan.report;
    if (!r) return '';
    if (key === 'without_unit') return r.without_unit.length ? r.without_unit.length + '：' + r.without_unit.join('、') : '0';
    if (key === 'guessed') return r.guessed.join('、');
    return r[key];
  }

  async function load() {
    const response = await fetch('/admin/stats', { credentials: 'same-origin' });
    if (!response.ok) {
      location.reload();
      return;
    }
    const stats = await response.json();
    chart(stats.per_day);
    document.getElementById('votes').textContent =
      '反馈 ' + stats.votes + ' 次，其中 👎 占 ' + Math.round(stats.down_share * 100) + '%';
    fill('most-asked', stats.most_asked, [(r) => r.n, (r) => r.question]);
    fill('unanswered', stats.unanswered, [(r) => r.n, (r) => r.question]);
    fill('down-voted', stats.down_voted, [(r) => r.at, (r) => r.question, (r) => r.no_answer ? '（未能回答）' : r.items.join('；'), (r) => r.n]);
    fill('plans', stats.plans, [(p) => p.id, (p) => p.title, (p) => p.region, (p) => report(p, 'layout'),
      (p) => report(p, 'items'), (p) => report(p, 'without_unit'), (p) => report(p, 'deadlines'), (p) => report(p, 'guessed')]);
  }

  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/admin/logout', { method: 'POST', credentials: 'same-origin' });
    location.reload();
  });
  load();
})();
