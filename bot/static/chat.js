// The chat page: asks /api/ask and shows each answer with text nodes only (never HTML from data).
'use strict';

(function () {
  const log = document.getElementById('log');
  const form = document.getElementById('ask');
  const input = document.getElementById('q');
  const largeText = document.getElementById('large-text');
  const NOT_COVERED = '没有找到相关内容：已收录的政务公开工作要点分工方案里没有涉及这个问题。';
  const FAILURES = {
    413: '问题太长，请缩短后再问。',
    429: '提问太频繁，请稍等一分钟再问。',
  };
  let session = sessionStorage.getItem('policyqa-session');

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function labelled(label, value, className) {
    const p = el('p', className);
    p.append(el('span', 'label', label + '：'), value);
    return p;
  }

  function itemNumber(entry) {
    return /^[0-9]+$/.test(entry.item) ? '第' + entry.item + '项' : entry.item;
  }

  function source(entry) {
    return '《' + entry.title + '》 ' + itemNumber(entry);
  }

  function units(entry) {
    const span = el('span', 'units');
    const names = entry.lead_units.map((name) => [name, true]).concat(entry.other_units.map((name) => [name, false]));
    if (!names.length) {
      span.textContent = entry.units || '（方案未写明责任单位）';
      return span;
    }
    names.forEach(([name, lead], index) => {
      if (index) span.append('、');
      span.append(name);
      if (lead) span.append(el('mark', 'lead-tag', '牵头'));
    });
    if (entry.corrected) span.append(el('span', 'corrected', '（经人工校对）'));
    return span;
  }

  function heading(entry) {
    const h = el('h3');
    if (entry.region) h.append(el('span', 'region', entry.region));
    h.append(source(entry));
    return h;
  }

  function bestBlock(entry, intent) {
    const parts = [heading(entry), labelled('工作任务', entry.task)];
    const who = labelled('责任单位', units(entry));
    const when = labelled('完成时限', entry.deadline || '方案未写明');
    parts.push(...(intent === 'when' ? [when, who] : [who, when]));
    const quote = el('blockquote', null, entry.text);
    quote.setAttribute('aria-label', '原文');
    parts.push(quote);
    return parts;
  }

  function original(entry) {
    const more = el('details');
    more.append(el('summary', null, '原文'), el('blockquote', null, entry.text));
    return more;
  }

  function summaryEntry(entry) {
    const li = el('li');
    li.append(heading(entry), labelled('责任单位', units(entry)));
    if (entry.deadline) li.append(labelled('完成时限', entry.deadline));
    li.append(original(entry));
    return li;
  }

  function folded(title, entries) {
    const box = el('details', 'others');
    box.append(el('summary', null, title + '（' + entries.length + '）'));
    const list = el('ul');
    entries.forEach((entry) => list.append(summaryEntry(entry)));
    box.append(list);
    return box;
  }

  function listing(data, article) {
    article.append(el('p', 'label', data.heading));
    data.listing.forEach((group) => {
      if (data.listing.length > 1) article.append(el('h3', 'group', group.region));
      const list = el('ul', 'unit-list');
      group.items.forEach((entry) => {
        const li = el('li');
        if (data.intent === 'item') {
          li.append(...bestBlock(entry, 'what'));
        } else {
          li.append(heading(entry));
          const role = entry.unit ? '（' + (entry.lead ? '牵头' : '负责') + '）' : '';
          li.append(el('p', null, role + entry.task), labelled('责任单位', units(entry)));
          if (entry.deadline) li.append(labelled('完成时限', entry.deadline));
          li.append(original(entry));
        }
        list.append(li);
      });
      article.append(list);
    });
  }

  function notCovered(data, article) {
    article.append(el('p', null, NOT_COVERED));
    if (!data.suggestions || !data.suggestions.length) return;
    article.append(el('p', null, '可以这样问：'));
    const box = el('div', 'suggest example-list');
    data.suggestions.forEach((text) => box.append(exampleButton(text)));
    article.append(box);
  }

  function feedback(data) {
    const box = el('div', 'feedback');
    box.append(el('span', null, '这个回答有帮助吗？'));
    [['up', '👍', '有帮助'], ['down', '👎', '没有帮助']].forEach(([vote, face, label]) => {
      const button = el('button', null, face);
      button.type = 'button';
      button.setAttribute('aria-label', label);
      button.dataset.vote = vote;
      button.addEventListener('click', () => sendVote(data, vote, box));
      box.append(button);
    });
    return box;
  }

  async function sendVote(data, vote, box) {
    box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    const response = await post('/api/feedback', { question_id: data.question_id, vote: vote, session: session });
    box.replaceChildren(el('span', response.ok ? null : 'error',
      response.ok ? '谢谢您的反馈！' : '反馈没有记下，请稍后再试。'));
  }

  function render(data) {
    const article = el('article', 'answer');
    if (data.no_answer) {
      if (data.hint) article.append(el('p', null, data.hint));
      else notCovered(data, article);
    } else {
      if (data.context && data.context.text) article.append(el('p', 'context', data.context.text));
      if (data.listing.length) {
        listing(data, article);
      } else {
        article.append(...bestBlock(data.best, data.intent));
        if (data.same_plan.length) article.append(folded('同一方案的相关条目', data.same_plan));
        const elsewhere = data.elsewhere.flatMap((task) => task.items);
        if (elsewhere.length) article.append(folded('其他地区的同一任务', elsewhere));
      }
    }
    if (data.question_id !== null) article.append(feedback(data));
    return article;
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  }

  async function ask(text) {
    text = text.trim();
    if (!text) return;
    log.append(el('p', 'question', text));
    const pending = el('p', 'pending', '正在查找……');
    log.append(pending);
    pending.scrollIntoView({ block: 'end' });
    let node;
    try {
      const response = await post('/api/ask', { q: text, session: session });
      const data = await response.json();
      if (response.ok) {
        session = data.session;
        sessionStorage.setItem('policyqa-session', session);
        node = render(data);
      } else {
        node = el('p', 'error', FAILURES[response.status] || '出错了：' + data.error);
      }
    } catch (err) {
      node = el('p', 'error', '连接不上服务，请稍后再试。');
    }
    pending.replaceWith(node);
    node.scrollIntoView({ block: 'nearest' });
  }

  function exampleButton(text) {
    const button = el('button', null, text);
    button.type = 'button';
    button.addEventListener('click', () => ask(text));
    return button;
  }

  async function loadExamples() {
    const response = await fetch('/api/examples');
    if (!response.ok) return;
    const box = document.getElementById('examples');
    (await response.json()).forEach((text) => box.append(exampleButton(text)));
  }

  function setLarge(on) {
    document.documentElement.classList.toggle('large', on);
    largeText.setAttribute('aria-pressed', String(on));
    localStorage.setItem('policyqa-large', on ? '1' : '');
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = '';
    ask(text);
  });
  largeText.addEventListener('click', () => setLarge(largeText.getAttribute('aria-pressed') !== 'true'));
  document.documentElement.classList.toggle('embed', new URLSearchParams(location.search).has('embed'));
  setLarge(localStorage.getItem('policyqa-large') === '1');
  loadExamples();
})();
