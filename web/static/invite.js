// The moderator console's invite panel and call form (console.html):
// personal links sent by email or SMS (POST …/links with send_email or
// send_sms), the invitation text copied (GET …/join-info), and calls out
// (POST …/dial) with the caller ID the call will present shown before it
// is placed (GET …/route?to=…, which answers it for the same user). The
// directory picker (window.ParleyPicker, picker.js) is attached to the
// name and call fields when the page has it; plain text fields work
// without it. Runs on window.ParleyConsole, which console.js sets.
(function () {
  'use strict';

  const c = window.ParleyConsole;
  if (!c) return;
  const { t, say, warn, act, call, roomPath } = c;
  const $ = (id) => document.getElementById(id);

  // ---- Personal links by email or SMS ------------------------------------

  const form = $('invite-form');
  const nameIn = $('invite-name');
  const emailIn = $('invite-email');
  const phoneIn = $('invite-phone');
  const roleIn = $('invite-role');
  const emailButton = $('invite-email-send');
  const smsButton = $('invite-sms-send');

  // invite makes a guest link for the person in the form and sends it by
  // how ("email" or "sms"), after checking the fields it needs.
  function invite(how, button) {
    const name = nameIn.value.trim();
    const email = emailIn.value.trim();
    const phone = phoneIn.value.trim();
    const missing = !name ? [nameIn, 'invite.need_name'] : how === 'email' && !email ? [emailIn, 'invite.need_email']
      : how === 'sms' && !phone ? [phoneIn, 'invite.need_phone'] : null;
    if (missing) {
      warn(t(missing[1]));
      missing[0].focus();
      return;
    }
    const body = { kind: 'guest', name, role: roleIn.value };
    if (email) body.email = email;
    if (phone) body.phone = phone;
    if (how === 'email') body.send_email = true;
    else body.send_sms = true;
    say(t('invite.sending', { name }));
    act(button, async () => {
      try {
        await call('POST', roomPath + '/links', body);
      } catch (e) {
        say('');
        const field = { email: emailIn, phone: phoneIn, name: nameIn }[e.field];
        if (field) field.focus();
        throw e;
      }
      form.reset();
      say(how === 'email' ? t('invite.sent_email', { name, email }) : t('invite.sent_sms', { name, phone }));
      nameIn.focus();
    });
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    invite('email', emailButton);
  });
  smsButton.addEventListener('click', () => invite('sms', smsButton));

  const copyButton = $('invite-copy');
  copyButton.addEventListener('click', () => {
    act(copyButton, async () => {
      c.copyText(await call('GET', roomPath + '/join-info'), $('invite-text-box'), $('invite-text'),
        'invite.copied', 'invite.copy_by_hand');
    });
  });

  // ---- Calling out ---------------------------------------------------------

  const dialForm = $('dial-form');
  const dialTo = $('dial-to');
  const dialRole = $('dial-role');
  const dialButton = $('dial');
  const callerID = $('caller-id');
  let picked = null; // {to, name}: the directory user picked for dialTo
  let routeGen = 0;
  let routeTimer = 0;

  // showCallerID asks the route endpoint which caller ID a call to the
  // field's target would present, and shows it; only the newest answer
  // counts.
  async function showCallerID() {
    const my = ++routeGen;
    const to = dialTo.value.trim();
    if (!to) {
      callerID.textContent = '';
      return;
    }
    let msg;
    try {
      const r = await call('GET', roomPath + '/route?to=' + encodeURIComponent(to));
      if (!r.allowed) msg = t('invite.caller_id_refused', { error: r.error || '' });
      else if (r.route && r.route.caller_id) msg = t('invite.caller_id', { caller_id: r.route.caller_id });
      else msg = t('invite.caller_id_none');
    } catch (e) {
      msg = e.status === 400 ? t('invite.caller_id_refused', { error: e.message }) : '';
    }
    if (my === routeGen) callerID.textContent = msg;
  }

  dialTo.addEventListener('input', () => {
    if (picked && dialTo.value.trim() !== picked.to) picked = null;
    clearTimeout(routeTimer);
    routeTimer = setTimeout(showCallerID, 300);
  });

  dialForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const to = dialTo.value.trim();
    if (!to) {
      dialTo.focus();
      return;
    }
    const body = { to, role: dialRole.value };
    const label = picked && picked.to === to ? picked.name : '';
    if (label) body.name = label;
    act(dialButton, async () => {
      const r = await call('POST', roomPath + '/dial', body);
      dialTo.value = '';
      picked = null;
      callerID.textContent = '';
      const named = label || r.contact;
      const target = named ? named + ' (' + to + ')' : to;
      say(c.upsertCall(r.participant_id, { target, status: r.status, code: r.code, own: true }));
    });
  });

  // ---- The directory picker, when the page has it ---------------------------

  // The directory answers signed-in users (and admin tokens), not room
  // tokens: the picker comes with the first focus of a signed-in console.
  let attached = false;
  function attachPicker() {
    if (attached || !window.ParleyPicker || !c.signedInNow()) return;
    attached = true;
    window.ParleyPicker.attach(dialTo, {
      texts: c.text,
      onPick(u) {
        const to = u.extension || u.phone || '';
        if (!to) return;
        picked = { to, name: u.name || u.login };
        dialTo.value = to;
        say(t('invite.picked', { name: picked.name, to }));
        showCallerID();
      },
    });
    window.ParleyPicker.attach(nameIn, {
      texts: c.text,
      onPick(u) {
        nameIn.value = u.name || u.login;
        if (u.email) emailIn.value = u.email;
        if (u.phone) phoneIn.value = u.phone;
        say(t('invite.picked', { name: nameIn.value, to: u.email || u.phone || '' }));
      },
    });
  }
  dialTo.addEventListener('focus', attachPicker);
  nameIn.addEventListener('focus', attachPicker);
})();
