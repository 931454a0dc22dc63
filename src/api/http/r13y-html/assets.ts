/*
 * The page's stylesheet and its one script, served by the node itself (nothing loads from outside).
 * Kept as strings so that they ship inside dist/ with the code that serves them.
 */

export const STYLE_CSS = `
:root { color-scheme: light dark; --line: #8884; --bad: #b3261e; --good: #1b6e2d; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0.75rem 1rem; }
header { border-bottom: 1px solid var(--line); font-weight: 600; }
footer { border-top: 1px solid var(--line); font-size: 0.9rem; }
h1 { font-size: 1.5rem; overflow-wrap: anywhere; }
code { font-size: 0.85em; overflow-wrap: anywhere; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.5rem; }
.stats div { border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.5rem; }
.stats dt { font-size: 0.85rem; }
.stats dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 0.5rem; }
input[type=search] { flex: 1 1 12rem; min-width: 0; font: inherit; padding: 0.3rem; }
button { font: inherit; }
.pager { display: flex; gap: 1rem; margin-top: 0.5rem; }
.verdict { font-weight: 600; }
.verdict.disputed { color: var(--bad); }
.verdict.agree { color: var(--good); }
.logs { padding-left: 1.2rem; }
@media (max-width: 30rem) { th, td { padding: 0.25rem; } body { font-size: 15px; } }
`;

/**
 * Search as you type: asks /r13y/disputes.json and rebuilds the table with text nodes only (never
 * markup from data). Without it, the form submits as a plain GET and the server renders the same.
 */
export const SEARCH_JS = `'use strict';
(function () {
  var input = document.getElementById('name');
  var table = document.getElementById('disputes');
  if (!input || !table || !window.fetch) return;
  var count = document.getElementById('dispute-count');
  var pager = document.getElementById('pager');
  var timer = null;
  var asked = 0;
  function row(item) {
    var tr = document.createElement('tr');
    var name = document.createElement('td');
    var link = document.createElement('a');
    link.href = '/r13y/paths/' + encodeURIComponent(item.hashPart);
    link.textContent = item.name;
    name.appendChild(link);
    var hash = document.createElement('td');
    var code = document.createElement('code');
    code.textContent = item.hashPart;
    hash.appendChild(code);
    tr.appendChild(name);
    tr.appendChild(hash);
    return tr;
  }
  function show(body, name) {
    var tbody = table.tBodies[0];
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    body.items.forEach(function (item) { tbody.appendChild(row(item)); });
    var what = body.total === 1 ? ' disputed path' : ' disputed paths';
    var filter = name === '' ? '' : ' whose name contains \\u201c' + name + '\\u201d';
    count.textContent = body.items.length === 0
      ? 'no disputed path' + filter
      : '1\\u2013' + body.items.length + ' of ' + body.total + what + filter;
    while (pager.firstChild) pager.removeChild(pager.firstChild);
    var last = Math.max(1, Math.ceil(body.total / body.perPage));
    var span = document.createElement('span');
    span.textContent = 'page 1 of ' + last;
    pager.appendChild(span);
    if (last > 1) {
      var next = document.createElement('a');
      next.rel = 'next';
      next.href = '/r13y?' + new URLSearchParams(name === '' ? { page: '2' } : { name: name, page: '2' });
      next.textContent = 'next \\u2192';
      pager.appendChild(next);
    }
  }
  function search() {
    var name = input.value;
    var mine = ++asked;
    fetch('/r13y/disputes.json?' + new URLSearchParams({ name: name }))
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (body) {
        if (body === null || mine !== asked) return;
        show(body, name);
        history.replaceState(null, '', name === '' ? '/r13y' : '/r13y?' + new URLSearchParams({ name: name }));
      })
      .catch(function () {});
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
})();
`;

/** The tab icon, so that browsers do not ask the listener for /favicon.ico (a 404). */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
  '<rect width="16" height="16" rx="3" fill="#1b6e2d"/>' +
  '<path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>';
