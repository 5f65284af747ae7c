// A room's page of the organisers' app (/app/rooms/ROOM): see web/app.go.
// Plain browser APIs, no build step. Everything goes through the REST API
// with the session cookie (credentials: 'same-origin'), every change with
// the session's CSRF token in X-CSRF-Token: the room's join information,
// its guest and group links (api/links.go), the CSV import
// (api/import.go), the attendance and attendees.csv (api/attendance.go,
// api/attendees.go) and the participant lists of its schedules
// (api/schedules.go). Without a session the page shows a link to sign in
// at /app/?next=/app/rooms/ROOM.
//
// <main data-state> says where the page is, for tests: "loading",
// "signed-out" or "ready".
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const text = JSON.parse($('parley-text').textContent);
  const main = $('app');
  const room = main.dataset.room;
  const roomPath = '/api/v1/rooms/' + encodeURIComponent(room);
  const createRoles = ['', 'moderator', 'presenter', 'attendee', 'spectator'];
  const linkRoles = ['owner', 'moderator', 'presenter', 'attendee', 'spectator', 'no_access'];
  const scheduleRoles = ['attendee', 'presenter', 'moderator', 'spectator', 'owner'];

  let csrf = '';
  let joinInfo = null;

  // t returns the text key (without "app.") with its {{placeholders}}
  // filled in from args; a value is inserted as is, never expanded again.
  function t(key, args) {
    const msg = text[key] || key;
    return msg.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, name) =>
      args && Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : all);
  }
  const rt = (key, args) => t('room.' + key, args);

  function say(msg) { $('status').textContent = msg || ''; }
  function show(el, msg) {
    el.textContent = msg || '';
    el.hidden = !msg;
  }

  // el makes an element with attributes and children (strings are text).
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'onclick') e.addEventListener('click', v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }

  // ---- The API ----------------------------------------------------------

  // APIError is an error the API answered ({"error", "field", "rows"}), or
  // status 0 when Parley could not be reached.
  class APIError extends Error {
    constructor(status, message, data) {
      super(message);
      this.status = status;
      this.field = (data && data.field) || '';
      this.rows = (data && data.rows) || [];
    }
  }

  // call sends one request with the session cookie (and the CSRF token on
  // a change) and returns the JSON or text answer; it throws an APIError.
  async function call(method, path, body, type) {
    const headers = {};
    const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
      headers['Content-Type'] = type || 'application/json';
      init.body = type ? body : JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new APIError(0, rt('offline'));
    }
    const ct = resp.headers.get('Content-Type') || '';
    let data = null;
    if (resp.status !== 204) {
      data = ct.includes('application/json') ? await resp.json().catch(() => null) : await resp.text().catch(() => '');
    }
    if (!resp.ok) {
      const msg = data && typeof data === 'object' && data.error ? data.error : resp.status + ' ' + resp.statusText;
      if (resp.status === 401) signedOut();
      throw new APIError(resp.status, msg, data);
    }
    return data;
  }

  // words turns an error into the sentence shown next to the form.
  function words(e) {
    return e instanceof APIError && e.status !== 0 ? rt('failed', { error: e.message }) : e.message;
  }

  // act runs fn with button disabled, showing its error in box.
  async function act(button, box, fn) {
    if (button) button.disabled = true;
    show(box, '');
    try {
      await fn();
    } catch (e) {
      show(box, words(e));
    } finally {
      if (button) button.disabled = false;
    }
  }

  function signedOut() {
    main.dataset.state = 'signed-out';
    $('page').hidden = true;
    $('signin').hidden = false;
  }

  // ---- Formatting ---------------------------------------------------------

  const when = (iso, zone) => iso ? new Date(iso).toLocaleString(document.documentElement.lang,
    { dateStyle: 'medium', timeStyle: 'short', timeZone: zone || undefined }) : '';
  function duration(secs) {
    const h = Math.floor(secs / 3600), m = Math.floor(secs / 60) % 60, s = secs % 60;
    return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(s).padStart(2, '0');
  }
  // localInput is an RFC 3339 time as a datetime-local value in the
  // browser's time zone; isoOf is the reverse ("" stays "").
  function localInput(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes());
  }
  const isoOf = (v) => v ? new Date(v).toISOString() : '';
  const roleName = (r) => r ? rt('role_' + r) : rt('role_default');

  function roleSelect(roles, value, attrs) {
    const s = el('select', attrs);
    for (const r of roles) s.append(el('option', { value: r, text: roleName(r), selected: r === value }));
    return s;
  }

  // ---- Copying ------------------------------------------------------------

  // copy puts s on the clipboard, or else shows it selected in a read-only
  // field for the user to copy.
  async function copy(s, done) {
    const box = $('copy-box'), area = $('copy-fallback');
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(s);
      box.hidden = true;
      say(done);
    } catch (e) {
      area.value = s;
      box.hidden = false;
      area.focus();
      area.select();
      say(rt('copy_manual'));
    }
  }

  async function loadJoinInfo() {
    joinInfo = await call('GET', roomPath + '/join-info?format=json');
    $('join-text').textContent = joinInfo.text;
    $('copy-room-link').disabled = !joinInfo.link;
    $('no-room-link').hidden = !!joinInfo.link;
  }

  // ---- Links --------------------------------------------------------------

  async function loadLinks() {
    const [list] = await Promise.all([call('GET', roomPath + '/links'), loadJoinInfo()]);
    const body = $('link-rows');
    body.replaceChildren(...list.map(linkRow));
    $('no-links').hidden = list.length > 0;
  }

  // patchLink changes link l and shows the list again.
  async function patchLink(l, change, done) {
    await call('PATCH', roomPath + '/links/' + encodeURIComponent(l.id), change);
    await loadLinks();
    say(done);
  }

  function linkRow(l) {
    const box = $('links-error');
    const label = l.name || l.description || rt('kind_' + l.kind);
    const who = el('td', {}, el('strong', { text: label }), ' ', el('span', { class: 'kind', text: '(' + rt('kind_' + l.kind) + ')' }));
    const details = l.kind === 'guest'
      ? [l.email, l.phone, l.language && rt('language_of', { lang: l.language })]
      : [l.name && l.description];
    for (const d of details.filter(Boolean)) who.append(el('br'), el('span', { class: 'detail', text: d }));
    const tr = el('tr', { 'data-id': l.id, 'data-state': l.state }, who,
      el('td', { text: roleName(l.role) }),
      el('td', {}, el('span', { class: 'state state-' + l.state, text: rt('state_' + l.state) })),
      el('td', { text: when(l.valid_from) || rt('at_once') }),
      el('td', { text: when(l.valid_until) || rt('never') }));
    const actions = el('td', { class: 'actions' });
    const named = (key) => ({ 'aria-label': rt(key + '_of', { name: label }) });
    actions.append(
      el('button', { type: 'button', ...named('copy'), text: rt('copy'),
        onclick: () => copy(l.url, rt('link_copied', { name: label })) }),
      el('button', { type: 'button', ...named(l.active ? 'deactivate' : 'activate'), text: rt(l.active ? 'deactivate' : 'activate'),
        onclick: (ev) => act(ev.target, box, () => patchLink(l, { active: !l.active },
          rt(l.active ? 'deactivated' : 'activated', { name: label }))) }));
    if (l.email || l.phone) {
      actions.append(el('button', { type: 'button', ...named('resend'), text: rt('resend'),
        onclick: (ev) => act(ev.target, box, async () => {
          const res = await call('POST', roomPath + '/links/' + encodeURIComponent(l.id) + '/resend');
          say(sentWords(res.invitations));
        }) }));
    }
    const del = el('button', { type: 'button', ...named('delete'), text: rt('delete'), class: 'danger' });
    del.addEventListener('click', () => {
      const yes = el('button', { type: 'button', ...named('delete_confirm'), text: rt('delete_confirm'), class: 'danger',
        onclick: (ev) => act(ev.target, box, async () => {
          await call('DELETE', roomPath + '/links/' + encodeURIComponent(l.id));
          await loadLinks();
          say(rt('deleted', { name: label }));
        }) });
      const no = el('button', { type: 'button', text: rt('cancel'), onclick: () => { ask.replaceWith(del); del.focus(); } });
      const ask = el('span', { class: 'confirm' }, rt('delete_question', { name: label }), ' ', yes, ' ', no);
      del.replaceWith(ask);
      yes.focus();
    });
    actions.append(del, editor(l, label, box));
    tr.append(actions);
    return tr;
  }

  // editor is a row's disclosure to rename, change the role and re-date.
  function editor(l, label, box) {
    const id = 'l' + l.id;
    const d = el('details', {}, el('summary', { text: rt('edit'), 'aria-label': rt('edit_of', { name: label }) }));
    if (l.kind === 'group') {
      const name = el('input', { id: id + '-name', value: l.name });
      d.append(el('p', {}, el('label', { for: id + '-name', text: rt('new_name_of', { name: label }) }), ' ', name, ' ',
        el('button', { type: 'button', text: rt('rename'), onclick: (ev) => act(ev.target, box,
          () => patchLink(l, { name: name.value.trim() }, rt('renamed', { name: name.value.trim() }))) })));
    }
    const role = roleSelect(linkRoles, l.role, { id: id + '-role' });
    d.append(el('p', {}, el('label', { for: id + '-role', text: rt('role_of', { name: label }) }), ' ', role, ' ',
      el('button', { type: 'button', text: rt('change_role'), onclick: (ev) => act(ev.target, box,
        () => patchLink(l, { role: role.value }, rt('role_changed', { name: label, role: roleName(role.value) }))) })));
    const from = el('input', { id: id + '-from', type: 'datetime-local', value: localInput(l.valid_from) });
    const until = el('input', { id: id + '-until', type: 'datetime-local', value: localInput(l.valid_until) });
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    d.append(el('p', {}, el('label', { for: id + '-from', text: rt('valid_from_of', { name: label }) }), ' ', from),
      el('p', {}, el('label', { for: id + '-until', text: rt('valid_until_of', { name: label }) }), ' ', until),
      el('p', { class: 'detail', text: rt('time_zone', { zone }) }),
      el('p', {}, el('button', { type: 'button', text: rt('save_dates'), onclick: (ev) => act(ev.target, box,
        () => patchLink(l, { valid_from: isoOf(from.value), valid_until: isoOf(until.value) }, rt('dates_saved', { name: label }))) })));
    return d;
  }

  // sentWords says where invitations went, and which failed.
  function sentWords(list) {
    return (list || []).map((i) => i.sent ? rt('sent_' + i.channel, { to: i.to })
      : rt('not_sent_' + i.channel, { to: i.to, error: i.error || '' })).join(' ');
  }

  async function createLink(form, box, body) {
    const button = form.querySelector('button[type=submit]');
    await act(button, box, async () => {
      const l = await call('POST', roomPath + '/links', body);
      form.reset();
      await loadLinks();
      say([rt('created', { name: l.name || l.description || rt('kind_' + l.kind) }), sentWords(l.invitations)].join(' ').trim());
    });
  }

  $('guest-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const send = f.querySelector('input[name=send]:checked').value;
    createLink(f, $('guest-error'), {
      kind: 'guest', name: f.name.value.trim(), email: f.email.value.trim(), phone: f.phone.value.trim(),
      role: f.role.value, language: f.language.value, send_email: send === 'email', send_sms: send === 'sms',
    });
  });
  $('group-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target;
    createLink(f, $('group-error'), {
      kind: 'group', name: f.name.value.trim(), description: f.description.value.trim(), role: f.role.value,
    });
  });

  // ---- CSV import -----------------------------------------------------------

  $('import-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target, box = $('import-error'), rows = $('import-rows');
    const file = $('import-file').files[0];
    if (!file) return;
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    box.hidden = true;
    rows.replaceChildren();
    (async () => {
      try {
        const csv = await file.text();
        const q = $('import-send').checked ? '?send_email=true' : '';
        const res = await call('POST', roomPath + '/links/import' + q, csv, 'text/csv');
        f.reset();
        await loadLinks();
        say([rt('imported', { n: res.imported }), sentWords(res.invitations)].join(' ').trim());
      } catch (e) {
        $('import-message').textContent = words(e);
        rows.replaceChildren(...(e.rows || []).map((r) => el('li', {
          text: r.field ? rt('bad_line_field', { line: r.line, field: r.field, error: r.error })
            : rt('bad_line', { line: r.line, error: r.error }) })));
        box.hidden = false;
      } finally {
        button.disabled = false;
      }
    })();
  });

  // ---- Attendance -----------------------------------------------------------

  // The report lists every visit and then the invitees who never came
  // (source "invited"), as attendees.csv does.
  async function loadAttendance() {
    const list = await call('GET', roomPath + '/attendees');
    $('attendance-rows').replaceChildren(...list.map((v) => el('tr', {},
      el('td', { text: v.name || v.email_or_number || rt('unknown') }),
      el('td', { text: v.joined_at ? when(v.joined_at) : rt('not_joined') }),
      el('td', { text: v.left_at ? when(v.left_at) : (v.joined_at ? rt('still_in') : '') }),
      el('td', { text: v.joined_at ? duration(v.duration_seconds) : '' }),
      el('td', { text: roleName(v.role) }),
      el('td', { text: text['room.came_' + v.source] ? rt('came_' + v.source) : v.came_by }))));
    $('no-attendance').hidden = list.length > 0;
  }
  $('attendance-refresh').addEventListener('click', (ev) => act(ev.target, $('attendance-error'), async () => {
    await loadAttendance();
    say(rt('attendance_loaded'));
  }));

  // ---- Schedules --------------------------------------------------------------

  async function loadSchedules() {
    const list = await call('GET', roomPath + '/schedules');
    $('schedules').replaceChildren(...list.map((sc) => scheduleCard(sc, false)));
    $('no-schedules').hidden = list.length > 0;
  }

  function scheduleCard(sc, forceLocked) {
    const started = forceLocked || !!sc.started_at || new Date(sc.start) <= new Date();
    const zone = sc.time_zone || 'UTC';
    const box = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const card = el('article', { class: 'card schedule', 'data-id': sc.id },
      el('h3', { text: rt('schedule_when', { start: when(sc.start, zone), end: when(sc.end, zone), zone }) }));
    const list = el('ul', { class: 'people' });
    const people = sc.participants || [];
    const save = async (next, done) => {
      try {
        await call('PATCH', roomPath + '/schedules/' + encodeURIComponent(sc.id), { participants: next });
      } catch (e) {
        if (e instanceof APIError && e.status === 409) {
          const locked = scheduleCard(sc, true);
          card.replaceWith(locked);
          show(locked.querySelector('.form-error'), rt('schedule_started_409', { error: e.message }));
          say(rt('schedule_started_409', { error: e.message }));
          return;
        }
        throw e;
      }
      await loadSchedules();
      say(done);
    };
    for (const p of people) {
      const who = p.name ? p.name + ' (' + p.target + ')' : p.target;
      const li = el('li', {}, who + ' — ' + roleName(p.role));
      if (!started) {
        li.append(' ', el('button', { type: 'button', text: rt('remove'), 'aria-label': rt('remove_of', { name: who }),
          onclick: (ev) => act(ev.target, box, () => save(people.filter((q) => q !== p), rt('removed', { name: who }))) }));
      }
      list.append(li);
    }
    if (!people.length) list.append(el('li', { text: rt('no_participants') }));
    card.append(list);
    if (started) {
      card.append(el('p', { class: 'detail', text: rt('schedule_locked') }));
    } else {
      const id = 's' + sc.id;
      const target = el('input', { id: id + '-target', autocomplete: 'off', required: true });
      const role = roleSelect(scheduleRoles, 'attendee', { id: id + '-role' });
      const form = el('form', { class: 'add' },
        el('label', { for: id + '-target', text: rt('add_target') }), ' ', target, ' ',
        el('label', { for: id + '-role', text: rt('role') }), ' ', role, ' ',
        el('button', { type: 'submit', text: rt('add') }));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = target.value.trim();
        if (!v) return;
        act(form.querySelector('button'), box,
          () => save([...people, { target: v, role: role.value }], rt('added', { name: v })));
      });
      if (window.ParleyPicker) {
        window.ParleyPicker.attach(target, { texts: text, onPick: (u) => { target.value = u.extension || u.phone || u.email || u.login; } });
      }
      card.append(form);
    }
    card.append(box);
    return card;
  }

  // ---- Start ----------------------------------------------------------------

  $('copy-room-link').addEventListener('click', () => joinInfo && joinInfo.link && copy(joinInfo.link, rt('room_link_copied')));
  $('copy-join-info').addEventListener('click', () => joinInfo && copy(joinInfo.text, rt('join_info_copied')));
  for (const s of document.querySelectorAll('select[data-roles=create]')) {
    for (const r of createRoles) s.append(el('option', { value: r, text: roleName(r) }));
  }

  async function start() {
    try {
      const ss = await call('GET', '/api/v1/session');
      csrf = ss.csrf_token;
    } catch (e) {
      if (e.status !== 401) show($('alert'), words(e));
      signedOut();
      return;
    }
    try {
      const r = await call('GET', roomPath);
      const name = r.name || '';
      if (name) {
        $('room-title').textContent = rt('heading', { name, room });
        document.title = $('room-title').textContent;
      }
    } catch (e) {
      show($('alert'), words(e));
      main.dataset.state = 'error';
      return;
    }
    $('page').hidden = false;
    const parts = [[loadLinks, 'links-error'], [loadAttendance, 'attendance-error'], [loadSchedules, 'alert']];
    await Promise.all(parts.map(([fn, box]) => fn().catch((e) => show($(box), words(e)))));
    main.dataset.state = 'ready';
  }
  start();
})();
