// The meetings page of the organisers' app (/app/): see web/app.go. Plain
// browser APIs, no build step.
//
// The page signs in at POST /api/v1/session (the session cookie is
// HTTP-only; the CSRF token of the answer goes with every change), lists
// the rooms GET /api/v1/rooms shows the user, each with its next
// scheduled conference, and makes a meeting with POST /api/v1/meetings: a
// room with its participants and, if scheduled, its time. The API decides
// everything; its errors name the field or the participant, which the
// form marks.
//
// <main data-state> says where the page is, for tests: "loading",
// "sign-in", "meetings" or "sent" (a meeting was made; the room page
// loads).
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const text = JSON.parse($('parley-text').textContent);
  const main = $('app');
  const alertBox = $('alert');
  const statusBox = $('status');
  const signInForm = $('sign-in');
  const meetings = $('meetings');
  const form = $('meeting-form');
  const roomsList = $('rooms');
  const peopleList = $('participants');
  const kindSelect = $('p-kind');
  const valueInput = $('p-value');
  const nameInput = $('p-name');
  const roleSelect = $('p-role');
  const scheduled = $('m-scheduled');
  const scheduleFields = $('schedule-fields');
  const newButton = $('new-meeting');

  let csrf = '';
  let picked = null;        // the directory user last picked, {login, name, email, phone, extension}
  const people = [];        // the participants of the form, in order

  // t returns the text key with its {{placeholders}} filled in from args;
  // a value is inserted as is, never expanded again.
  function t(key, args) {
    const msg = text[key] || key;
    return msg.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, name) =>
      args && Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : all);
  }

  function say(msg) { statusBox.textContent = msg || ''; }
  function warn(msg) {
    alertBox.textContent = msg || '';
    alertBox.hidden = !msg;
  }
  function state(s) { main.dataset.state = s; }
  window.parleyTest = {state: () => main.dataset.state};

  // api calls the REST API with the session cookie and, for a change,
  // the CSRF token; it answers {status, data, retryAfter}, status 0 when
  // the server could not be reached.
  async function api(method, path, body) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let resp;
    try {
      resp = await fetch(path, {method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (e) {
      return {status: 0, data: {error: t('offline')}};
    }
    let data = null;
    if (resp.status !== 204) {
      try { data = await resp.json(); } catch (e) { data = null; }
    }
    return {status: resp.status, data: data || {}, retryAfter: Number(resp.headers.get('Retry-After')) || 0};
  }

  // --- Signing in and out ---

  async function start() {
    const r = await api('GET', '/api/v1/session');
    if (r.status === 200) {
      signedIn(r.data);
    } else {
      showSignIn();
      if (r.status === 0) warn(r.data.error);
    }
  }

  function showSignIn() {
    csrf = '';
    $('who').hidden = true;
    meetings.hidden = true;
    form.hidden = true;
    signInForm.hidden = false;
    state('sign-in');
    $('user').focus();
  }

  // nextPath is the ?next= page to go to after signing in: only a path of
  // the app or the console (no open redirect); '' for none.
  function nextPath() {
    const next = new URLSearchParams(location.search).get('next') || '';
    return /^\/(app|console)\/[^\\]*$/.test(next) ? next : '';
  }

  signInForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    warn('');
    const user = $('user').value.trim();
    const password = $('password').value;
    if (!user || !password) {
      warn(t('sign_in_missing'));
      (user ? $('password') : $('user')).focus();
      return;
    }
    $('sign-in-button').disabled = true;
    say(t('signing_in'));
    const r = await api('POST', '/api/v1/session', {user, password});
    $('sign-in-button').disabled = false;
    say('');
    if (r.status === 201) {
      $('password').value = '';
      const next = nextPath();
      if (next) {
        location.assign(next);
        return;
      }
      signedIn(r.data);
      return;
    }
    $('password').value = '';
    $('password').focus();
    warn(signInError(r));
  });

  // signInError says why a sign-in was refused.
  function signInError(r) {
    const msg = r.data.error || '';
    switch (true) {
      case r.status === 401: return t('wrong_password');
      case r.status === 429: return t('throttled', {seconds: r.retryAfter || 1});
      case r.status === 503 && /LDAP/.test(msg): return t('directory_down');
      case r.status === 503: return t('sign_in_off');
      default: return t('error', {message: msg || r.status});
    }
  }

  function signedIn(info) {
    csrf = info.csrf_token;
    const u = info.user || {};
    $('who-text').textContent = t('signed_in_as', {name: u.name || u.login, role: t('role_' + u.role)});
    $('who').hidden = false;
    signInForm.hidden = true;
    meetings.hidden = false;
    state('meetings');
    loadRooms();
  }

  $('sign-out').addEventListener('click', async () => {
    const r = await api('DELETE', '/api/v1/session');
    if (r.status !== 204 && r.status !== 401) {
      warn(t('error', {message: r.data.error || r.status}));
      return;
    }
    warn('');
    say(t('signed_out'));
    showSignIn();
  });

  // --- The rooms ---

  async function loadRooms() {
    const r = await api('GET', '/api/v1/rooms');
    if (r.status === 401) {
      showSignIn();
      return;
    }
    if (r.status !== 200) {
      warn(t('error', {message: r.data.error || r.status}));
      return;
    }
    roomsList.replaceChildren();
    $('no-rooms').hidden = r.data.length > 0;
    for (const room of r.data) {
      roomsList.append(roomItem(room));
    }
  }

  function roomItem(room) {
    const li = document.createElement('li');
    li.dataset.room = room.number;
    const title = document.createElement('a');
    title.href = '/app/rooms/' + encodeURIComponent(room.number);
    title.className = 'room-name';
    title.textContent = room.name ? t('room_label', {name: room.name, number: room.number}) : room.number;
    const console_ = document.createElement('a');
    console_.href = '/console/' + encodeURIComponent(room.number);
    console_.textContent = t('console');
    console_.setAttribute('aria-label', t('console_of', {room: room.name || room.number}));
    const when = document.createElement('span');
    when.className = 'when';
    li.append(title, ' ', console_, ' ', when);
    nextSchedule(room.number).then((sc) => {
      when.textContent = sc ? t('next', {when: formatWhen(sc)}) : '';
    });
    return li;
  }

  // nextSchedule is the room's scheduled conference that has not ended,
  // or null.
  async function nextSchedule(number) {
    const r = await api('GET', '/api/v1/rooms/' + encodeURIComponent(number) + '/schedules');
    if (r.status !== 200) return null;
    const now = Date.now();
    return r.data.find((sc) => !sc.ended_at && Date.parse(sc.end) > now) || null;
  }

  function formatWhen(sc) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang, {dateStyle: 'medium', timeStyle: 'short',
        timeZone: sc.time_zone}).format(new Date(sc.start)) + ' (' + sc.time_zone + ')';
    } catch (e) {
      return sc.start;
    }
  }

  // --- The new meeting form ---

  newButton.addEventListener('click', () => {
    if (form.hidden) openForm(); else closeForm();
  });
  $('cancel').addEventListener('click', closeForm);

  async function openForm() {
    form.hidden = false;
    newButton.setAttribute('aria-expanded', 'true');
    $('m-name').focus();
    if (!$('m-number').value) {
      const r = await api('GET', '/api/v1/rooms/suggested-number');
      if (r.status === 200 && !$('m-number').value) $('m-number').value = r.data.number;
    }
  }

  function closeForm() {
    form.hidden = true;
    newButton.setAttribute('aria-expanded', 'false');
    newButton.focus();
  }

  // The participant being added: the label and the kind of field follow
  // the type; the directory picker, when the page has it, fills in the
  // value from a directory user.
  const valueLabels = {user: 'kind_user', extension: 'kind_extension', number: 'kind_number', email: 'kind_email'};
  kindSelect.addEventListener('change', () => {
    $('p-value-label').textContent = t(valueLabels[kindSelect.value]);
    valueInput.type = kindSelect.value === 'email' ? 'email' : 'text';
    valueInput.inputMode = kindSelect.value === 'extension' ? 'numeric' : kindSelect.value === 'number' ? 'tel' : 'text';
    picked = null;
  });
  function attachPicker() {
    if (!window.ParleyPicker) return;
    const texts = {};
    for (const k of Object.keys(text)) if (k.startsWith('picker.')) texts[k.slice(7)] = text[k];
    window.ParleyPicker.attach(valueInput, {texts, onPick(user) {
      picked = user;
      const v = {user: user.login, extension: user.extension, number: user.phone, email: user.email}[kindSelect.value];
      valueInput.value = v || user.login;
      if (!nameInput.value) nameInput.value = user.name || '';
    }});
  }
  // The directory picker (static/picker.js) is loaded by the page before
  // this script; without it the field stays a plain text field, and a login
  // typed in is looked up when added.
  if (window.ParleyPicker) attachPicker();
  valueInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.defaultPrevented) {
      ev.preventDefault();
      addParticipant();
    }
  });
  $('p-add').addEventListener('click', addParticipant);

  async function addParticipant() {
    warn('');
    const kind = kindSelect.value;
    const value = valueInput.value.trim();
    if (!value) {
      warn(t('value_missing', {what: t(valueLabels[kind])}));
      valueInput.focus();
      return;
    }
    const p = {kind, value, name: nameInput.value.trim(), role: roleSelect.value};
    if (kind === 'user') {
      const u = picked && picked.login.toLowerCase() === value.toLowerCase() ? picked : await findUser(value);
      if (!u) {
        warn(t('user_unknown', {user: value}));
        valueInput.focus();
        return;
      }
      p.value = u.login;
      p.name = p.name || u.name || '';
      if (u.extension) p.extension = u.extension;
      if (u.email) p.email = u.email;
    }
    people.push(p);
    picked = null;
    valueInput.value = '';
    nameInput.value = '';
    renderPeople();
    say(t('added', {who: p.name || p.value}));
    valueInput.focus();
  }

  // findUser looks a login up in the directory: the user, or null.
  async function findUser(login) {
    const r = await api('GET', '/api/v1/directory?limit=10&q=' + encodeURIComponent(login));
    if (r.status !== 200 || !r.data.users) return null;
    return r.data.users.find((u) => u.login.toLowerCase() === login.toLowerCase()) || null;
  }

  function renderPeople() {
    peopleList.replaceChildren();
    $('no-participants').hidden = people.length > 0;
    people.forEach((p, i) => {
      const li = document.createElement('li');
      li.dataset.index = String(i);
      const who = document.createElement('span');
      who.className = 'who-p';
      const how = p.kind === 'user'
        ? [p.extension && t('kind_extension') + ' ' + p.extension, p.email].filter(Boolean).join(', ')
        : p.value;
      who.textContent = (p.name ? p.name + ' · ' : '') + t('kind_' + p.kind) + ': ' + (p.kind === 'user' ? p.value + ' (' + how + ')' : how);
      const role = document.createElement('select');
      role.setAttribute('aria-label', t('role_of', {who: p.name || p.value}));
      for (const opt of roleSelect.options) role.append(new Option(opt.text, opt.value, false, opt.value === p.role));
      role.addEventListener('change', () => { p.role = role.value; });
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = t('remove');
      remove.setAttribute('aria-label', t('remove_who', {who: p.name || p.value}));
      remove.addEventListener('click', () => {
        people.splice(i, 1);
        renderPeople();
        say(t('removed', {who: p.name || p.value}));
        const next = peopleList.querySelectorAll('li button')[Math.min(i, people.length - 1)];
        (next || valueInput).focus();
      });
      const err = document.createElement('span');
      err.className = 'error';
      err.id = 'p-error-' + i;
      li.append(who, ' ', role, ' ', remove, err);
      peopleList.append(li);
    });
  }

  scheduled.addEventListener('change', () => {
    scheduleFields.hidden = !scheduled.checked;
    $('unscheduled-hint').hidden = scheduled.checked;
    scheduled.setAttribute('aria-expanded', String(scheduled.checked));
    if (scheduled.checked && !$('s-date').value) {
      const at = new Date(Date.now() + 3600e3);
      at.setMinutes(0, 0, 0);
      const pad = (n) => String(n).padStart(2, '0');
      $('s-date').value = at.getFullYear() + '-' + pad(at.getMonth() + 1) + '-' + pad(at.getDate());
      $('s-time').value = pad(at.getHours()) + ':00:00';
    }
  });
  // The time zone defaults to the browser's; the list offers every zone
  // the browser knows.
  $('s-zone').value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (Intl.supportedValuesOf) {
    const list = $('zones');
    for (const z of Intl.supportedValuesOf('timeZone')) list.append(new Option(z));
  }

  // The form's fields by the API's field names.
  const fields = {
    'room.number': 'm-number', 'room.name': 'm-name', 'room.pin': 'm-pin', 'room.moderator_pin': 'm-moderator-pin',
    'room.guest_role': 'm-guest-role', 'room.quota': 'm-quota', 'room.capacity': 'm-capacity',
    'room.guest_wait': 'm-guest-wait', 'room.guest_access': 'm-guest-access',
    'schedule.start': 's-time', 'schedule.end': 's-duration', 'schedule.duration_minutes': 's-duration',
    'schedule.time_zone': 's-zone', 'room': 'm-number', 'schedule': 's-date',
  };

  function meetingBody() {
    const num = (id) => Number($(id).value || 0);
    const body = {
      room: {number: $('m-number').value.trim(), name: $('m-name').value.trim(), pin: $('m-pin').value.trim(),
        moderator_pin: $('m-moderator-pin').value.trim(), guest_access: $('m-guest-access').checked,
        guest_role: $('m-guest-role').value, quota: num('m-quota'), capacity: num('m-capacity'),
        guest_wait: num('m-guest-wait') + 'm'},
      participants: people.map((p) => Object.assign({}, p)),
    };
    if (scheduled.checked) {
      body.schedule = {start: $('s-date').value + 'T' + $('s-time').value, duration_minutes: num('s-duration'),
        time_zone: $('s-zone').value.trim()};
    }
    return body;
  }

  function clearErrors() {
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    for (const li of peopleList.children) {
      li.classList.remove('bad');
      li.querySelector('.error').textContent = '';
      li.querySelector('select').removeAttribute('aria-describedby');
    }
  }

  // markError shows the API's error at the field or participant it names.
  function markError(data) {
    const problems = data.problems && data.problems.length ? data.problems : [data.error || ''];
    let first = null;
    for (const msg of problems) {
      const m = /^participants\[(\d+)\]/.exec(msg) || /^participants\[(\d+)\]/.exec(data.field || '');
      const li = m && peopleList.children[Number(m[1])];
      if (li) {
        li.classList.add('bad');
        // At the participant, the message needs no "participants[N]".
        li.querySelector('.error').textContent = msg.replace(/^participants\[\d+\](\.\w+)?:?\s*/, '');
        const sel = li.querySelector('select');
        sel.setAttribute('aria-describedby', li.querySelector('.error').id);
        first = first || li.querySelector('button');
      }
    }
    const id = fields[data.field];
    if (id) {
      $(id).setAttribute('aria-invalid', 'true');
      first = first || $(id);
    }
    (first || $('create')).focus();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    warn('');
    clearErrors();
    if (scheduled.checked && (!$('s-date').value || !$('s-time').value)) {
      warn(t('when_missing'));
      $(!$('s-date').value ? 's-date' : 's-time').setAttribute('aria-invalid', 'true');
      $(!$('s-date').value ? 's-date' : 's-time').focus();
      return;
    }
    $('create').disabled = true;
    say(t('creating'));
    const r = await api('POST', '/api/v1/meetings', meetingBody());
    $('create').disabled = false;
    if (r.status === 201) {
      const unsent = r.data.links.filter((l) => (l.invitations || []).some((i) => !i.sent)).length;
      say(unsent ? t('created_unsent', {count: unsent}) : t('created'));
      state('sent');
      location.assign('/app/rooms/' + encodeURIComponent(r.data.room.number));
      return;
    }
    say('');
    if (r.status === 401) {
      showSignIn();
      warn(t('session_ended'));
      return;
    }
    warn(t('create_failed', {message: r.data.error || r.status}));
    markError(r.data);
  });

  renderPeople();
  start();
})();
