// The directory picker of the organisers' app: a search-as-you-type
// combobox over GET /api/v1/directory (ARIA 1.2 combobox with a listbox
// popup). A page calls
//
//   window.ParleyPicker.attach(input, {texts, onPick(user)})
//
// with a text <input> that has its own <label>; texts are the page's texts
// (the "app." catalogue keys without the prefix: picker.*), read from the
// page's #parley-text when left out. onPick gets the chosen user as the API
// answers it: {login, name, email, phone, extension, online, source}.
// Keys: Down and Up move through the results (Down opens them), Enter
// picks, Escape closes. The number of results and the LDAP warning are
// announced in a polite live region. Nothing the server sends is parsed as
// HTML: every text goes in through textContent.
'use strict';

(function () {
  var DEBOUNCE_MS = 250;
  var MAX_QUERY = 100;
  var LIMIT = 20;
  var seq = 0; // makes each picker's element IDs unique in the page

  function pageTexts() {
    var el = document.getElementById('parley-text');
    try {
      return el ? JSON.parse(el.textContent) || {} : {};
    } catch (e) {
      return {};
    }
  }

  // fill replaces {{name}} in text with vars.name.
  function fill(text, vars) {
    return String(text).replace(/\{\{(\w+)\}\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
    });
  }

  function style(el, rules) {
    for (var k in rules) {
      el.style[k] = rules[k];
    }
  }

  // visuallyHidden keeps el for screen readers only.
  function visuallyHidden(el) {
    style(el, {position: 'absolute', width: '1px', height: '1px', overflow: 'hidden',
      clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap', margin: '-1px', padding: '0', border: '0'});
  }

  function attach(input, opts) {
    opts = opts || {};
    var texts = opts.texts || pageTexts();
    var t = function (key, vars) {
      var s = texts['picker.' + key];
      return s === undefined ? key : fill(s, vars || {});
    };
    var n = ++seq;
    var listID = 'parley-picker-' + n;

    var list = document.createElement('ul');
    list.id = listID;
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', t('results_label'));
    list.hidden = true;
    style(list, {listStyle: 'none', margin: '.25rem 0 0', padding: '0', border: '1px solid #555',
      borderRadius: '.25rem', maxHeight: '18em', overflowY: 'auto', background: '#fff', color: '#111'});
    var warning = document.createElement('p');
    warning.className = 'picker-warning';
    warning.hidden = true;
    style(warning, {margin: '.25rem 0', color: '#7a4100'});
    var live = document.createElement('div');
    live.className = 'picker-live';
    live.setAttribute('role', 'status');
    live.setAttribute('aria-live', 'polite');
    visuallyHidden(live);
    input.insertAdjacentElement('afterend', live);
    input.insertAdjacentElement('afterend', warning);
    input.insertAdjacentElement('afterend', list);

    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listID);
    input.setAttribute('autocomplete', 'off');

    var users = [];
    var active = -1;
    var timer = 0;
    var asked = 0; // the number of the last request; older answers are dropped
    var pending = null;

    function announce(text) {
      live.textContent = text;
    }

    function setActive(i) {
      var items = list.children;
      if (active >= 0 && items[active]) {
        items[active].setAttribute('aria-selected', 'false');
        style(items[active], {background: '', color: ''});
      }
      active = i;
      if (i < 0 || !items[i]) {
        input.removeAttribute('aria-activedescendant');
        return;
      }
      items[i].setAttribute('aria-selected', 'true');
      style(items[i], {background: '#1a5fb4', color: '#fff'});
      input.setAttribute('aria-activedescendant', items[i].id);
      if (items[i].scrollIntoView) {
        items[i].scrollIntoView({block: 'nearest'});
      }
    }

    function open(show) {
      list.hidden = !show;
      input.setAttribute('aria-expanded', show ? 'true' : 'false');
      if (!show) {
        setActive(-1);
      }
    }

    function option(u, i) {
      var li = document.createElement('li');
      li.id = listID + '-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      style(li, {padding: '.35rem .5rem', cursor: 'pointer', borderBottom: '1px solid #ddd'});
      var name = document.createElement('span');
      name.textContent = u.name || u.login;
      style(name, {fontWeight: '600'});
      li.appendChild(name);
      var details = [];
      if (u.extension) {
        details.push(t('extension', {extension: u.extension}));
      }
      if (u.email) {
        details.push(u.email);
      } else if (u.phone && !u.extension) {
        details.push(u.phone);
      }
      if (details.length) {
        var d = document.createElement('span');
        d.textContent = ' · ' + details.join(' · ');
        li.appendChild(d);
      }
      if (u.online) {
        var on = document.createElement('span');
        on.className = 'picker-online';
        on.textContent = ' · ● ' + t('online');
        style(on, {fontWeight: '600'});
        li.appendChild(on);
      }
      li.addEventListener('mousedown', function (ev) {
        ev.preventDefault(); // keep the focus in the input
      });
      li.addEventListener('click', function () {
        pick(i);
      });
      return li;
    }

    function show(found, warn) {
      users = found;
      list.replaceChildren();
      for (var i = 0; i < users.length; i++) {
        list.appendChild(option(users[i], i));
      }
      warning.textContent = warn ? t('warning') : '';
      warning.hidden = !warn;
      open(users.length > 0);
      var msg = users.length === 0 ? t('none') : t('found', {count: users.length});
      announce(warn ? msg + ' ' + t('warning') : msg);
    }

    function pick(i) {
      var u = users[i];
      if (!u) {
        return;
      }
      input.value = u.name || u.login;
      open(false);
      announce(t('picked', {name: u.name || u.login}));
      if (typeof opts.onPick === 'function') {
        opts.onPick(u);
      }
    }

    function search() {
      var q = input.value.trim().slice(0, MAX_QUERY);
      var mine = ++asked;
      if (pending) {
        pending.abort();
        pending = null;
      }
      if (q === '') {
        users = [];
        list.replaceChildren();
        warning.hidden = true;
        open(false);
        return;
      }
      announce(t('searching'));
      pending = typeof AbortController === 'function' ? new AbortController() : null;
      fetch('/api/v1/directory?q=' + encodeURIComponent(q) + '&limit=' + LIMIT, {
        credentials: 'same-origin', headers: {'Accept': 'application/json'},
        signal: pending ? pending.signal : undefined
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          return {status: res.status, body: body};
        });
      }).then(function (r) {
        if (mine !== asked) {
          return;
        }
        if (r.status !== 200) {
          show([], false);
          announce(t(r.status === 401 ? 'signed_out' : 'failed'));
          return;
        }
        show(Array.isArray(r.body.users) ? r.body.users : [], !!r.body.warning);
      }).catch(function (err) {
        if (mine === asked && !(err && err.name === 'AbortError')) {
          show([], false);
          announce(t('failed'));
        }
      });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener('keydown', function (ev) {
      var count = users.length;
      switch (ev.key) {
        case 'ArrowDown':
          if (count === 0) {
            return;
          }
          ev.preventDefault();
          if (list.hidden) {
            open(true);
            setActive(0);
          } else {
            setActive((active + 1) % count);
          }
          break;
        case 'ArrowUp':
          if (count === 0) {
            return;
          }
          ev.preventDefault();
          if (list.hidden) {
            open(true);
          }
          setActive(active <= 0 ? count - 1 : active - 1);
          break;
        case 'Enter':
          if (!list.hidden && active >= 0) {
            ev.preventDefault();
            pick(active);
          }
          break;
        case 'Escape':
          if (!list.hidden) {
            ev.preventDefault();
            open(false);
          }
          break;
      }
    });
    input.addEventListener('blur', function () {
      open(false);
    });

    return {
      // close hides the results.
      close: function () { open(false); }
    };
  }

  window.ParleyPicker = {attach: attach};
})();
