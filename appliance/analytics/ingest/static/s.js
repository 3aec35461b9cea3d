/* Sparkhouse tracker, speaks Sparklytics' s.js format: docs/analytics.md */
(function (w, d, n) {
  var s = d.currentScript, L = w.location;
  if (!s) return;
  function a(k) { return s.getAttribute('data-' + k); }
  var site = a('website-id');
  if (!site) return;
  var end = a('api-host'), u;
  if (end) end = end.replace(/\/+$/, '') + '/e';
  else try {
    u = new URL(s.src, L.href);
    end = u.origin + u.pathname.replace(/\/[^/]*$/, '') + '/e';
  } catch (e) { end = '/e'; }
  function off() {
    return a('disabled') == 'true' || (a('respect-dnt') != 'false' &&
      (n.doNotTrack == '1' || n.globalPrivacyControl === true));
  }
  if (off()) return;
  var VID = 'sparklytics_visitor_id', UTM = '_spl_utm';
  function ls(m, k, v) { try { return localStorage[m](k, v); } catch (e) {} }

  function send(p) {
    if (off()) return;
    var v = ls('getItem', VID);
    if (v) p.visitor_id = v;
    var b = JSON.stringify(p);
    try {
      if (n.sendBeacon && n.sendBeacon(end, new Blob([b], { type: 'application/json' }))) return;
      fetch(end, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: b,
        credentials: 'omit', keepalive: true }).catch(function () {});
    } catch (e) {}
  }
  function base(type, url) {
    var p = { website_id: site, type: type, url: url }, r = d.referrer;
    if (r) p.referrer = r;
    if (n.language) p.language = n.language;
    return p;
  }
  function utm() {
    var q = new URLSearchParams(L.search), o = {}, got;
    'source medium campaign term content'.split(' ').forEach(function (k) {
      if (q.get(k = 'utm_' + k)) { o[k] = q.get(k); got = 1; }
    });
    try {
      if (got) sessionStorage.setItem(UTM, JSON.stringify(o));
      else o = JSON.parse(sessionStorage.getItem(UTM)) || o;
    } catch (e) {}
    return o;
  }
  var last = '', lastAt = 0;
  function pageview(url) {
    var now = Date.now(), k, o, p;
    if (url == last && now - lastAt < 100) return;
    last = url; lastAt = now;
    p = base('pageview', url);
    var W = screen.width, H = screen.height;
    if (W && H) { p.screen = W + 'x' + H; p.screen_width = W; p.screen_height = H; }
    o = utm();
    for (k in o) p[k] = o[k];
    send(p);
  }
  function track(name, data) {
    if (!name || typeof name != 'string') return;
    var p = base('event', L.href);
    p.event_name = name.slice(0, 50);
    if (data) {
      try { if (JSON.stringify(data).length > 4096) return; } catch (e) { return; }
      p.event_data = data;
    }
    send(p);
  }

  var fired = {}, scrollUrl = L.href;
  function nav() {
    var h = L.href;
    if (h == last || (a('exclude-hash') == 'true' && h.split('#')[0] == last.split('#')[0])) return;
    fired = {}; scrollUrl = h;
    pageview(h);
  }
  ['pushState', 'replaceState'].forEach(function (m) {
    var f = history[m];
    history[m] = function () { var r = f.apply(this, arguments); nav(); return r; };
  });
  w.addEventListener('popstate', nav);

  var links = a('track-links');
  if (links == 'true' || links == 'outbound') d.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('a[href]'), h, u, x, t, o;
    if (!el) return;
    h = el.getAttribute('href');
    if (!h || h[0] == '#' || !h.indexOf('javascript:')) return;
    try { u = new URL(h, L.href); x = u.origin != L.origin; h = x ? u.href : u.pathname + u.search + u.hash; }
    catch (e2) { x = true; }
    if (links == 'outbound' && !x) return;
    o = { href: h };
    t = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 100);
    if (t) o.text = t;
    if (x) o.external = true;
    track('link_click', o);
  }, true);

  var depth = a('track-scroll-depth');
  depth = depth == 'true' ? [25, 50, 75, 100] : (depth || '').split(',').map(parseFloat).filter(isFinite);
  if (depth.length) w.addEventListener('scroll', function () {
    var max = d.documentElement.scrollHeight - w.innerHeight, pct;
    if (L.href != scrollUrl) { fired = {}; scrollUrl = L.href; }
    if (max <= 0) return;
    pct = Math.round(w.scrollY / max * 100);
    depth.forEach(function (p) {
      if (pct >= p && !fired[p]) { fired[p] = 1; track('scroll_depth', { depth: p }); }
    });
  }, { passive: true });

  if (a('track-forms') == 'true') d.addEventListener('submit', function (e) {
    var f = e.target, o = {};
    if (!f || f.tagName != 'FORM') return;
    if (f.id) o.form_id = f.id;
    if (f.name) o.form_name = f.name;
    if (f.action && f.action.indexOf('javascript:')) o.action = f.action;
    track('form_submit', o);
  }, true);

  w.sparklytics = {
    track: track,
    identify: function (id) {
      if (id && typeof id == 'string' && id.length <= 64) ls('setItem', VID, id);
    },
    reset: function () { ls('removeItem', VID); }
  };
  pageview(L.href);
})(window, document, navigator);
