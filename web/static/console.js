// The moderator console of Parley, /console/ROOM: log in with the room's
// moderator PIN or a moderator token, or come signed in (the web session
// of a user who may moderate the room: its owner, an operator, an admin),
// then watch and run the room. Plain browser APIs, no build step.
//
// Everything goes through the REST API (api/openapi.json), with a bearer
// token or with the session cookie and its X-CSRF-Token: POST
// …/console-login trades the PIN for a moderator token that lasts
// api.token_ttl (12 hours by default); the token lives in this tab's
// sessionStorage. A signed-in user (GET /api/v1/session) who may moderate
// the room (GET …/tokens answers) skips the PIN. The list is
// read with GET …/participants and kept live by the event stream, the
// WebSocket /api/v1/events?token=…&room=… (the cookie: ?room=…); events that arrive while the
// list is being read are applied after it, so that an older list never
// overwrites a newer event. The stream reconnects when it drops, and the
// list is read again.
//
// <main data-state> says where the page is, for tests: "checking" (is
// someone signed in?), "login", "connecting" or "live". window.ParleyConsole hands the invite panel
// (invite.js) what it needs of this script.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const text = JSON.parse($('parley-text').textContent);
  const main = document.querySelector('main');
  const room = main.dataset.room;
  const roomPath = '/api/v1/rooms/' + encodeURIComponent(room);
  const storeKey = 'parley.console.' + room;
  const roles = ['moderator', 'presenter', 'attendee', 'spectator', 'no_access'];

  const loginForm = $('login');
  const pinInput = $('pin');
  const tokenInput = $('token');
  const openButton = $('open');
  const consoleView = $('console');
  const logoutButton = $('logout');
  const alertBox = $('alert');
  const statusBox = $('status');
  const roomName = $('room-name');
  const lockState = $('lock-state');
  const lockButton = $('lock');
  const muteAllButton = $('mute-all');
  const copyButton = $('copy');
  const joinInfoBox = $('join-info-box');
  const joinInfo = $('join-info');
  const rowsBody = $('rows');
  const table = $('participants');
  const nobody = $('nobody');
  const count = $('count');
  const signedIn = $('signed-in');
  const callsHeading = $('calls-heading');
  const callsList = $('calls');

  // The session. session is null when logged out; gen grows with every
  // login and logout, streamGen with every connection of the event stream,
  // so that late answers of an old one are dropped.
  let session = null;        // {token, id} (id: a token this page minted) or {cookie: true, csrf, user}
  let gen = 0;
  let streamGen = 0;
  let ws = null;             // the event stream
  let loading = false;       // the list is being read: events wait in pending
  let pending = [];
  let backoff = 1000;        // before the next reconnection, in ms
  let retryTimer = 0;
  let locked = false;
  const people = new Map();  // participant ID → {data, tr, …}
  const calls = new Map();   // participant ID of a call out → {target, status, code, li}

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
  function setState(s) { main.dataset.state = s; }

  // ---- The API ----------------------------------------------------------

  // APIError is an error the API answered ({"error", "field"}), or status 0
  // when Parley could not be reached.
  class APIError extends Error {
    constructor(status, message, field) {
      super(message);
      this.status = status;
      this.field = field || '';
    }
  }

  // call sends one request with auth (the session's if not given: a token,
  // or {cookie: true, csrf} for the signed-in user's cookie) and returns
  // the JSON or text of the answer; it throws an APIError.
  async function call(method, path, body, auth) {
    const headers = {};
    const cred = auth === undefined ? session : typeof auth === 'string' ? { token: auth } : auth;
    if (cred && cred.token) headers.Authorization = 'Bearer ' + cred.token;
    if (cred && cred.cookie && cred.csrf && method !== 'GET') headers['X-CSRF-Token'] = cred.csrf;
    const init = { method, headers, cache: 'no-store', credentials: cred && cred.cookie ? 'same-origin' : 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new APIError(0, t('offline'));
    }
    const type = resp.headers.get('Content-Type') || '';
    let data = null;
    if (resp.status !== 204) {
      data = type.includes('application/json') ? await resp.json().catch(() => null) : await resp.text().catch(() => '');
    }
    if (!resp.ok) {
      const msg = data && typeof data === 'object' && data.error ? data.error : resp.status + ' ' + resp.statusText;
      throw new APIError(resp.status, msg, data && data.field);
    }
    return data;
  }

  // act runs a moderator's action, showing its error; a 401 means the
  // session's token stopped working.
  async function act(button, fn) {
    const my = gen;
    if (button) button.disabled = true;
    warn('');
    try {
      await fn();
    } catch (e) {
      if (my !== gen) return;
      if (e instanceof APIError && e.status === 401) {
        expire();
        return;
      }
      warn(e instanceof APIError && e.status !== 0 ? t('failed', { error: e.message }) : e.message);
    } finally {
      if (button) button.disabled = false;
    }
  }

  // ---- Logging in and out ----------------------------------------------

  function showLogin(message) {
    setState('login');
    consoleView.hidden = true;
    logoutButton.hidden = true;
    roomName.hidden = true;
    signedIn.hidden = true;
    loginForm.hidden = false;
    openButton.disabled = false;
    warn(message || '');
    pinInput.focus();
  }

  loginForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const pin = pinInput.value.trim();
    const token = tokenInput.value.trim();
    if (!pin && !token) {
      warn(t('need_credential'));
      pinInput.focus();
      return;
    }
    warn('');
    say(t('checking'));
    openButton.disabled = true;
    try {
      let s;
      if (token) {
        // Listing the room's tokens is for moderators only: an attendee
        // token, or another room's, is refused with 403.
        try {
          await call('GET', roomPath + '/tokens', undefined, token);
        } catch (e) {
          if (e.status === 403) throw new APIError(403, t('bad_token'), 'token');
          throw e;
        }
        s = { token };
      } else {
        const nt = await call('POST', roomPath + '/console-login', { pin }, '');
        s = { token: nt.token, id: nt.id };
      }
      pinInput.value = '';
      tokenInput.value = '';
      try {
        sessionStorage.setItem(storeKey, JSON.stringify(s));
      } catch (e) { /* private mode: the session lasts as long as the page */ }
      start(s);
    } catch (e) {
      say('');
      openButton.disabled = false;
      warn(e.message);
      const field = e.field === 'token' || token ? tokenInput : pinInput;
      field.focus();
      field.select(); // typing again replaces what was wrong
    }
  });

  logoutButton.addEventListener('click', async () => {
    const s = session;
    stop();
    forget();
    // A token this page minted is revoked; a token the moderator brought is
    // theirs to keep. A signed-in user signs out before the PIN form shows.
    if (s && s.id) call('DELETE', roomPath + '/tokens/' + encodeURIComponent(s.id), undefined, s.token).catch(() => {});
    if (s && s.cookie) await call('DELETE', '/api/v1/session', undefined, s).catch(() => {});
    showLogin();
    say(t(s && s.cookie ? 'invite.signed_out' : 'logged_out'));
  });

  // trySession opens the console for the signed-in user when there is one
  // and it may moderate the room (listing the room's tokens is for
  // moderators only); it reports whether it did.
  async function trySession() {
    try {
      const who = await call('GET', '/api/v1/session', undefined, { cookie: true });
      const s = { cookie: true, csrf: who.csrf_token, user: who.user || {} };
      await call('GET', roomPath + '/tokens', undefined, s);
      start(s);
      return true;
    } catch (e) {
      return false; // not signed in, or not this room's moderator: the PIN
    }
  }

  function forget() {
    try {
      sessionStorage.removeItem(storeKey);
    } catch (e) { /* nothing kept */ }
  }

  // expire ends a session whose token no longer works.
  function expire() {
    stop();
    forget();
    say('');
    showLogin(t('expired'));
  }

  // stop ends the session: the stream closes and the page forgets the room.
  function stop() {
    gen++;
    streamGen++;
    session = null;
    clearTimeout(retryTimer);
    if (ws) {
      ws.onclose = null;
      ws.close();
      ws = null;
    }
    people.clear();
    calls.clear();
    rowsBody.replaceChildren();
    callsList.replaceChildren();
    callsHeading.hidden = true;
    joinInfoBox.hidden = true;
    renderCount();
  }

  // start opens the console with session s.
  async function start(s) {
    stop();
    session = s;
    const my = gen;
    loginForm.hidden = true;
    consoleView.hidden = false;
    logoutButton.hidden = false;
    logoutButton.textContent = t(s.cookie ? 'invite.sign_out' : 'log_out');
    signedIn.hidden = !s.cookie;
    if (s.cookie) signedIn.textContent = t('invite.signed_in', { name: s.user.name || s.user.login });
    setState('connecting');
    say(t('connecting'));
    try {
      const info = await call('GET', roomPath);
      if (my !== gen) return;
      if (info.name) {
        roomName.textContent = info.name;
        roomName.hidden = false;
      }
      setLocked(!!info.locked);
    } catch (e) {
      if (my !== gen) return;
      if (e.status === 401 || e.status === 403) {
        expire();
        return;
      }
      warn(e.message);
    }
    connect();
  }

  // ---- The event stream -------------------------------------------------

  function connect() {
    const my = ++streamGen;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const auth = session.cookie ? '' : 'token=' + encodeURIComponent(session.token) + '&';
    const sock = new WebSocket(proto + '//' + location.host + '/api/v1/events?' + auth + 'room=' + encodeURIComponent(room));
    ws = sock;
    loading = true;
    pending = [];
    sock.onopen = () => {
      if (my !== streamGen) return;
      backoff = 1000;
      reload(my);
    };
    sock.onmessage = (m) => {
      if (my !== streamGen) return;
      let ev;
      try {
        ev = JSON.parse(m.data);
      } catch (e) {
        return;
      }
      if (loading) pending.push(ev);
      else apply(ev, true);
    };
    sock.onclose = () => {
      if (my !== streamGen || !session) return;
      ws = null;
      setState('connecting');
      say(t('reconnecting'));
      retryTimer = setTimeout(async () => {
        if (my !== streamGen) return;
        // A handshake refused for a dead token looks like any drop: ask
        // the API, which says 401.
        try {
          await call('GET', roomPath);
        } catch (e) {
          if (my !== streamGen) return;
          if (e.status === 401) {
            expire();
            return;
          }
        }
        if (my === streamGen) connect();
      }, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }

  // The call quality of phones changes as the call goes and has no event:
  // the list is read again for it every 10 s while anyone is in.
  setInterval(async () => {
    if (!people.size) return;
    try {
      for (const p of await call('GET', roomPath + '/participants')) {
        const e = people.get(p.id);
        if (e && p.quality) upsert(Object.assign({}, e.data, { quality: p.quality }));
      }
    } catch (err) { /* the event stream reports what is wrong */ }
  }, 10000);

  // reload reads the list, then applies the events that came meanwhile.
  async function reload(my) {
    let list;
    try {
      list = await call('GET', roomPath + '/participants');
    } catch (e) {
      if (my !== streamGen) return;
      if (e.status === 401) {
        expire();
        return;
      }
      warn(e.message);
      if (ws) ws.close(); // and try again
      return;
    }
    if (my !== streamGen) return;
    const seen = new Set();
    for (const p of list) {
      if (p.status && p.status !== 'answered') {
        upsertCall(p.id, { target: p.name, status: p.status, code: p.code });
        continue;
      }
      seen.add(p.id);
      upsert(p);
    }
    for (const id of [...people.keys()]) {
      if (!seen.has(id)) removeRow(id);
    }
    loading = false;
    const evs = pending;
    pending = [];
    for (const ev of evs) apply(ev, false);
    setState('live');
    say(t('live'));
  }

  // apply brings the page up to date with one event; announce says it in
  // the status line, which screen readers read out.
  function apply(ev, announce) {
    const id = ev.participant;
    const p = id ? people.get(id) : null;
    const name = (p && p.data.name) || ev.name || id;
    let msg = '';
    switch (ev.type) {
      case 'joined':
        upsert({ id, name: ev.name || id, role: ev.role || 'attendee', via: ev.via || '', muted: false, talking: false });
        msg = t('joined', { name: ev.name || id });
        break;
      case 'left':
        if (p) {
          removeRow(id);
          msg = t('left', { name });
        }
        break;
      case 'talking':
        if (p) upsert(Object.assign({}, p.data, { talking: !!ev.talking }));
        break;
      case 'muted':
        if (p) {
          upsert(Object.assign({}, p.data, { muted: !!ev.muted }));
          msg = t(ev.muted ? 'now_muted' : 'now_unmuted', { name });
        }
        break;
      case 'role':
        if (p) {
          upsert(Object.assign({}, p.data, { role: ev.role }));
          msg = t('now_role', { name, role: roleName(ev.role) });
        }
        break;
      case 'dial':
        msg = upsertCall(id, { target: ev.name, status: ev.status, code: ev.code });
        break;
      case 'locked':
        setLocked(!!ev.locked);
        msg = t(ev.locked ? 'locked' : 'unlocked');
        break;
      case 'ended':
        for (const pid of [...people.keys()]) removeRow(pid);
        msg = t('ended');
        break;
    }
    if (announce && msg) say(msg);
  }

  // ---- The participant list ---------------------------------------------

  function roleName(role) { return t('role_' + role); }

  // upsert shows participant p (the API's Participant shape), adding its
  // row in ID order or updating the one it has, so that focus stays put.
  function upsert(p) {
    let e = people.get(p.id);
    if (!e) {
      e = makeRow(p.id);
      people.set(p.id, e);
      let before = null;
      for (const [id, other] of people) {
        if (id !== p.id && idLess(p.id, id) && (!before || idLess(id, before.id))) before = { id, tr: other.tr };
      }
      rowsBody.insertBefore(e.tr, before ? before.tr : null);
    }
    e.data = p;
    const label = p.name || p.id;
    e.name.textContent = label;
    e.badge.hidden = !p.muted;
    e.tr.classList.toggle('muted', !!p.muted);
    e.tr.dataset.muted = p.muted ? 'true' : 'false';
    e.tr.dataset.name = label;
    const q = p.quality; // a phone's call quality (RTCP), when measured
    e.via.textContent = (p.via || '') + (q ? ' · MOS ' + q.mos.toFixed(1) : '');
    e.via.title = q ? t('quality', { in: q.loss_in_pct, out: q.loss_out_pct, jitter: q.jitter_ms, rtt: q.rtt_ms, mos: q.mos }) : '';
    e.via.classList.toggle('bad-line', !!q && q.mos < 3.5);
    e.talk.classList.toggle('on', !!p.talking);
    e.talk.textContent = p.talking ? t('talking') : t('silent');
    e.mute.textContent = p.muted ? t('unmute_short') : t('mute_short');
    e.mute.setAttribute('aria-label', t(p.muted ? 'unmute' : 'mute', { name: label }));
    e.remove.setAttribute('aria-label', t('remove', { name: label }));
    e.role.setAttribute('aria-label', t('role_of', { name: label }));
    e.owner.hidden = p.role !== 'owner';
    e.role.value = p.role;
    renderCount();
  }

  function makeRow(id) {
    const tr = document.createElement('tr');
    tr.dataset.id = id;
    const cell = (cls) => {
      const td = document.createElement('td');
      if (cls) td.className = cls;
      tr.appendChild(td);
      return td;
    };
    const nameCell = cell();
    const name = document.createElement('span');
    name.className = 'who';
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = t('muted');
    nameCell.append(name, badge);

    const role = document.createElement('select');
    const owner = new Option(t('role_owner'), 'owner');
    owner.disabled = true;
    role.appendChild(owner);
    for (const r of roles) role.appendChild(new Option(roleName(r), r));
    role.addEventListener('change', () => {
      const e = people.get(id);
      const want = role.value;
      act(role, async () => {
        try {
          const p = await call('PATCH', roomPath + '/participants/' + encodeURIComponent(id), { role: want });
          if (people.has(id) && want !== 'no_access') upsert(p);
        } catch (err) {
          if (e && people.has(id)) role.value = e.data.role;
          throw err;
        }
      });
    });
    cell().appendChild(role);

    const via = cell();
    const talk = document.createElement('span');
    talk.className = 'talk';
    cell().appendChild(talk);

    const actions = cell('actions');
    const mute = document.createElement('button');
    mute.type = 'button';
    mute.className = 'small';
    mute.addEventListener('click', () => {
      const e = people.get(id);
      if (!e) return;
      const want = !e.data.muted;
      act(mute, async () => {
        const p = await call('PATCH', roomPath + '/participants/' + encodeURIComponent(id), { muted: want });
        if (people.has(id)) upsert(p);
      });
    });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'small danger';
    remove.textContent = t('remove_short');
    remove.addEventListener('click', () => {
      act(remove, async () => {
        await call('DELETE', roomPath + '/participants/' + encodeURIComponent(id));
      });
    });
    actions.append(mute, remove);
    return { tr, name, badge, role, owner, via, talk, mute, remove, data: null };
  }

  function removeRow(id) {
    const e = people.get(id);
    if (!e) return;
    // Keep the keyboard in the list when the focused row goes.
    const hadFocus = e.tr.contains(document.activeElement);
    people.delete(id);
    e.tr.remove();
    renderCount();
    if (hadFocus) $('participants-heading').focus();
  }

  function renderCount() {
    const n = people.size;
    count.textContent = n ? '(' + t('count', { count: n }) + ')' : '';
    table.hidden = n === 0;
    nobody.hidden = n !== 0;
  }

  // idLess orders participant IDs numerically, then as text, as the API
  // lists them.
  function idLess(a, b) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isInteger(x) && Number.isInteger(y)) return x < y;
    return a < b;
  }

  // ---- The room's controls ---------------------------------------------

  function setLocked(on) {
    locked = on;
    lockState.textContent = t(on ? 'locked' : 'unlocked');
    lockState.classList.toggle('locked', on);
    lockButton.textContent = t(on ? 'unlock' : 'lock');
  }

  lockButton.addEventListener('click', () => {
    const want = !locked;
    act(lockButton, async () => {
      const r = await call('PATCH', roomPath, { locked: want });
      setLocked(!!r.locked);
      say(t(r.locked ? 'locked' : 'unlocked'));
    });
  });

  muteAllButton.addEventListener('click', () => {
    act(muteAllButton, async () => {
      const r = await call('POST', roomPath + '/mute-all', {});
      say(t('muted_all', { count: r.muted.length }));
    });
  });

  copyButton.addEventListener('click', () => {
    act(copyButton, async () => {
      copyText(await call('GET', roomPath + '/join-info'), joinInfoBox, joinInfo, 'copied', 'copy_by_hand');
    });
  });

  // copyText puts text on the clipboard and says so with the text key
  // done; where the browser does not allow it (plain http on another
  // host, no permission) it shows the text in area (inside box), selected,
  // tries the old way, and says byHand unless that worked.
  async function copyText(text, box, area, done, byHand) {
    area.value = text;
    try {
      await navigator.clipboard.writeText(text);
      box.hidden = true;
      say(t(done));
      return;
    } catch (e) { /* fall back below */ }
    box.hidden = false;
    area.focus();
    area.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch (e) { /* not supported */ }
    say(t(copied ? done : byHand));
  }

  // ---- Calling out (the form is invite.js's) -----------------------------

  // upsertCall shows the state of the call out id and returns the sentence
  // that says it. A call this page placed keeps the target as typed, with
  // the callee's name the events give ("Ada (2002)").
  function upsertCall(id, c) {
    let e = calls.get(id);
    if (!e) {
      e = { li: document.createElement('li'), target: '', name: '', typed: '', status: '', code: 0 };
      e.li.dataset.id = id;
      calls.set(id, e);
      callsList.prepend(e.li);
      callsHeading.hidden = false;
    }
    if (c.own) e.typed = c.target || '';
    else if (c.target) e.name = c.target;
    e.target = !e.typed ? e.name : e.name && !e.typed.includes(e.name) ? e.name + ' (' + e.typed + ')' : e.typed;
    // A ringing event that overtook a later one must not undo it.
    if (c.status && !(c.status === 'ringing' && e.status && e.status !== 'ringing')) {
      e.status = c.status;
      e.code = c.code || 0;
    }
    const key = 'dial_' + (e.status || 'ringing');
    let msg = t(text[key] ? key : 'dial_failed', { target: e.target });
    if (e.code) msg += ' (' + t('code', { code: e.code }) + ')';
    e.li.textContent = msg;
    e.li.dataset.status = e.status;
    e.li.className = e.status === 'ringing' ? 'ringing' : e.status === 'answered' ? 'answered' : 'failed';
    return msg;
  }

  // ---- Start -------------------------------------------------------------

  const signedInNow = () => !!(session && session.cookie);
  window.ParleyConsole = { t, say, warn, act, call, copyText, upsertCall, text, roomPath, signedInNow };
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(storeKey) || 'null');
  } catch (e) { /* none */ }
  renderCount();
  if (saved && typeof saved.token === 'string' && saved.token) start(saved);
  else {
    setState('checking');
    trySession().then((ok) => { if (!ok) showLogin(); });
  }
})();
