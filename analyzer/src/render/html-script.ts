// The one client script of the HTML reports (the tree page and the diff page), inlined
// into the page (the CSP allows inline script and nothing else). It adds interactivity
// to a page that is complete without it: the drawing scrolled so its root is in view, a
// details panel when a namespace box is clicked, and a search that highlights processes
// by a PID at any level, a namespace inode, or text in a label, comm or cmdline.
//
// The page describes each box's panel as data (PanelItem below), so the script knows no
// page: facts, lists and process tables in order. It reads the JSON block and writes only
// with textContent and classList, never innerHTML, so data cannot become markup. Plain
// ES2017 so any browser that opens an attachment runs it.

/** One process row of a panel table; strings already made visible. */
export interface PanelRow {
  /** Id of the same row in the full tables, for highlighting. */
  r: string;
  pids: number[];
  ppid: number;
  uid: number | null;
  comm: string;
  cmdline: string | null;
  level: number;
}

/** What the script shows for one box, and searches. Strings already made visible. */
export interface PanelItem {
  /** The panel's heading (the namespace id, with a diff mark). */
  title: string;
  label: string;
  /** Section of the full tables. */
  anchor: string;
  /** name and value; a value `{ jump: i }` is a link that opens box i. Empty values are left out. */
  facts: [string, string | number | { jump: number }][];
  /** Lists of text (evidence, changes); `empty` is shown when a list has no entry, or the list is left out when null. */
  lists: { heading: string; items: string[]; empty: string | null; className: string }[];
  tables: { heading: string; rows: PanelRow[]; empty: string | null }[];
  /** Namespace inodes (as text) that a number in the search box finds. */
  inodes: string[];
  /** Labels that text in the search box finds. */
  labels: string[];
}

export const REPORT_SCRIPT = String.raw`(function () {
  'use strict';
  var source = document.getElementById('nsnap-data');
  if (!source) return;
  var data = JSON.parse(source.textContent || '{}');
  var list = data.items || [];
  var panel = document.getElementById('details');
  var toolbar = document.getElementById('toolbar');
  var q = document.getElementById('q');
  var status = document.getElementById('qstatus');
  var canvas = document.querySelector('.canvas');
  var selected = -1;
  var hits = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function box(i) { return document.querySelector('svg.tree a.ns[data-i="' + i + '"]'); }
  function jump(i) {
    var a = el('a', 'id', list[i].title);
    a.href = '#' + list[i].anchor;
    a.addEventListener('click', function (e) { e.preventDefault(); show(i); });
    return a;
  }
  function fact(dl, name, value) {
    if (value === null || value === undefined || value === '') return;
    if (typeof value === 'object' && !list[value.jump]) return;
    dl.appendChild(el('dt', '', name));
    var dd = el('dd');
    if (typeof value === 'object') dd.appendChild(jump(value.jump)); else dd.textContent = String(value);
    dl.appendChild(dd);
  }
  function table(rows) {
    var t = el('table', 'procs');
    var head = el('tr');
    ['PIDs (outer/\u2026/inner)', 'PPID', 'UID', 'comm', 'cmdline'].forEach(function (h) { head.appendChild(el('th', '', h)); });
    var thead = el('thead'); thead.appendChild(head); t.appendChild(thead);
    var body = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr', hits[r.r] ? 'hit' : '');
      var first = el('td', 'pids', r.pids.join('/'));
      first.style.paddingLeft = (0.4 + Math.min(r.level, 32) * 1.1) + 'em';
      tr.appendChild(first);
      tr.appendChild(el('td', 'num', r.ppid));
      tr.appendChild(el('td', 'num', r.uid === null ? '?' : r.uid));
      tr.appendChild(el('td', 'comm', r.comm));
      tr.appendChild(el('td', 'cmd', r.cmdline === null ? '' : r.cmdline));
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  function show(i) {
    var it = list[i];
    if (!it || !panel) return;
    if (selected >= 0 && box(selected)) box(selected).classList.remove('selected');
    selected = i;
    if (box(i)) box(i).classList.add('selected');
    panel.textContent = '';
    var close = el('button', 'close', '\u00d7');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close details');
    close.addEventListener('click', function () { panel.hidden = true; if (box(i)) box(i).classList.remove('selected'); selected = -1; });
    panel.appendChild(close);
    panel.appendChild(el('h2', '', it.title));
    panel.appendChild(el('p', 'label', it.label));
    var dl = el('dl');
    it.facts.forEach(function (f) { fact(dl, f[0], f[1]); });
    panel.appendChild(dl);
    it.lists.forEach(function (l) {
      if (!l.items.length && l.empty === null) return;
      panel.appendChild(el('h3', '', l.heading));
      if (!l.items.length) { panel.appendChild(el('p', 'none', l.empty)); return; }
      var ul = el('ul', l.className);
      l.items.forEach(function (x) { ul.appendChild(el('li', '', x)); });
      panel.appendChild(ul);
    });
    it.tables.forEach(function (t) {
      panel.appendChild(el('h3', '', t.heading));
      if (t.rows.length) panel.appendChild(table(t.rows));
      else if (t.empty !== null) panel.appendChild(el('p', 'none', t.empty));
    });
    var more = el('a', 'more', 'Show in the full tables');
    more.href = '#' + it.anchor;
    panel.appendChild(more);
    panel.hidden = false;
  }

  document.querySelectorAll('svg.tree a.ns').forEach(function (a) {
    a.addEventListener('click', function (e) {
      e.preventDefault();
      show(Number(a.getAttribute('data-i')));
    });
  });

  function search() {
    hits = {};
    document.querySelectorAll('.hit').forEach(function (e) { e.classList.remove('hit'); });
    var s = q.value.trim();
    if (!s) { status.textContent = ''; return; }
    var isPid = /^[0-9]+$/.test(s);
    var pid = Number(s);
    var low = s.toLowerCase();
    var procs = 0;
    var spaces = [];
    list.forEach(function (it, i) {
      var found = isPid ? it.inodes.indexOf(s) >= 0
        : it.labels.some(function (l) { return l.toLowerCase().indexOf(low) >= 0; });
      it.tables.forEach(function (t) {
        t.rows.forEach(function (r) {
          var m = isPid ? r.pids.indexOf(pid) >= 0
            : r.comm.toLowerCase().indexOf(low) >= 0 || (r.cmdline || '').toLowerCase().indexOf(low) >= 0;
          if (!m) return;
          hits[r.r] = true;
          procs += 1;
          found = true;
          var row = document.getElementById(r.r);
          if (row) row.classList.add('hit');
        });
      });
      if (found) { spaces.push(i); if (box(i)) box(i).classList.add('hit'); }
    });
    status.textContent = spaces.length === 0 ? 'no match'
      : procs + ' process' + (procs === 1 ? '' : 'es') + ' in ' + spaces.length + ' namespace' + (spaces.length === 1 ? '' : 's');
    if (spaces.length >= 1) show(spaces[0]);
  }

  if (toolbar && q && status) {
    toolbar.hidden = false;
    q.addEventListener('input', search);
  }

  // A wide tree centres its root over its children: scroll the drawing so the first
  // root opens in view, in the middle of the canvas where the canvas allows.
  var root = document.querySelector('svg.tree a.ns.root');
  if (canvas && root) {
    var rb = root.getBoundingClientRect();
    var cb = canvas.getBoundingClientRect();
    canvas.scrollLeft += rb.left + rb.width / 2 - (cb.left + cb.width / 2);
  }
})();
`;
