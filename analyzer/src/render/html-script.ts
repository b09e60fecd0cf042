// The HTML report's only script, inlined into the page (the CSP allows inline script and
// nothing else). It adds interactivity to a page that is complete without it: a details
// panel when a namespace box is clicked, and a search that highlights processes by a PID
// at any level or by text in comm/cmdline. It reads the data from the JSON block and
// writes only with textContent and classList, never innerHTML, so data cannot become
// markup. Plain ES2017 so any browser that opens an attachment runs it.

export const REPORT_SCRIPT = String.raw`(function () {
  'use strict';
  var source = document.getElementById('nsnap-data');
  if (!source) return;
  var data = JSON.parse(source.textContent || '{}');
  var list = data.namespaces || [];
  var panel = document.getElementById('details');
  var toolbar = document.getElementById('toolbar');
  var q = document.getElementById('q');
  var status = document.getElementById('qstatus');
  var selected = -1;
  var hits = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function box(i) { return document.querySelector('svg.tree a.ns[data-i="' + i + '"]'); }
  function fact(dl, name, value) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(el('dt', '', name));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }

  function show(i) {
    var ns = list[i];
    if (!ns || !panel) return;
    if (selected >= 0 && box(selected)) box(selected).classList.remove('selected');
    selected = i;
    if (box(i)) box(i).classList.add('selected');
    panel.textContent = '';
    var close = el('button', 'close', '\u00d7');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close details');
    close.addEventListener('click', function () { panel.hidden = true; if (box(i)) box(i).classList.remove('selected'); selected = -1; });
    panel.appendChild(close);
    panel.appendChild(el('h2', '', ns.id));
    panel.appendChild(el('p', 'label', ns.label));
    var dl = el('dl');
    fact(dl, 'role', ns.role);
    if (ns.status && ns.status !== 'same') fact(dl, 'change', ns.status + (ns.note ? ': ' + ns.note : ''));
    fact(dl, 'depth', ns.depth === null ? '?' : ns.depth);
    if (ns.parentIndex !== null && list[ns.parentIndex]) {
      var link = el('a', '', list[ns.parentIndex].id);
      link.href = '#' + ns.anchorParent;
      link.addEventListener('click', function (e) { e.preventDefault(); show(ns.parentIndex); });
      fact(dl, 'parent', link);
    } else fact(dl, 'parent', ns.parent || 'outermost');
    fact(dl, 'parent evidence', (ns.parentSupport || []).join(', '));
    fact(dl, 'processes', ns.rows.length);
    panel.appendChild(dl);
    if (ns.evidence.length) {
      panel.appendChild(el('h3', '', 'Evidence'));
      var ul = el('ul', 'evidence');
      ns.evidence.forEach(function (e) { ul.appendChild(el('li', '', e)); });
      panel.appendChild(ul);
    }
    panel.appendChild(el('h3', '', 'Processes'));
    if (!ns.rows.length) panel.appendChild(el('p', 'none', 'No member process was seen.'));
    else {
      var t = el('table', 'procs');
      var head = el('tr');
      ['PIDs (outer/\u2026/inner)', 'PPID', 'UID', 'comm', 'cmdline'].forEach(function (h) { head.appendChild(el('th', '', h)); });
      var thead = el('thead'); thead.appendChild(head); t.appendChild(thead);
      var body = el('tbody');
      ns.rows.forEach(function (r) {
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
      panel.appendChild(t);
    }
    var more = el('a', 'more', 'Show in the full tables');
    more.href = '#' + ns.anchor;
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
    list.forEach(function (ns, i) {
      var found = isPid ? ns.id.slice(ns.id.indexOf(':') + 1) === s : ns.label.toLowerCase().indexOf(low) >= 0;
      ns.rows.forEach(function (r) {
        var m = isPid ? r.pids.indexOf(pid) >= 0
          : r.comm.toLowerCase().indexOf(low) >= 0 || (r.cmdline || '').toLowerCase().indexOf(low) >= 0;
        if (!m) return;
        hits[r.r] = true;
        procs += 1;
        found = true;
        var row = document.getElementById(r.r);
        if (row) row.classList.add('hit');
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
})();
`;
