// The guest join page of Parley: pick a microphone, watch its level, join
// the room over WebRTC, mute, leave. Plain browser APIs, no build step.
//
// Signalling is JSON over the WebSocket /join/TOKEN/ws?name=NAME (see
// webrtc/signal.go): the server sends "config" first; the page answers with
// an "offer", receives an "answer", and both trickle "candidate"s; then
// "joined", maybe a "banner", and "error" or "ended" when the call cannot
// go on. The page sends "leave" to hang up.
//
// For tests, window.parleyTest reads the audio the page hears (remote) and
// sends (local): dominant frequency and amplitude of a tone. A URL with
// ?raw=1 turns echo cancellation, noise suppression and automatic gain off,
// so that a test tone goes through unchanged.
(function () {
  'use strict';

  const text = JSON.parse(document.getElementById('parley-text').textContent);
  const $ = (id) => document.getElementById(id);
  const form = $('join-form');
  const nameInput = $('name');
  const joinButton = $('join');
  const micSelect = $('microphone');
  const meter = $('level');
  const alertBox = $('alert');
  const statusBox = $('status');
  const callView = $('call');
  const banner = $('banner');
  const list = $('participants');
  const muteButton = $('mute');
  const leaveButton = $('leave');
  const remoteAudio = $('remote');
  const processing = { echoCancellation: $('echo'), noiseSuppression: $('noise'), autoGainControl: $('gain') };

  if (new URLSearchParams(location.search).get('raw') === '1') {
    for (const box of Object.values(processing)) box.checked = false;
  }

  // The page's state. Only one call at a time.
  let audioCtx = null;   // AudioContext for the meters and analysers
  let stream = null;     // the microphone's MediaStream, or null
  let local = null;      // analyser of the microphone
  let remote = null;     // analyser of what the room sends
  let ws = null;         // the signalling WebSocket of the current call
  let pc = null;         // the RTCPeerConnection of the current call
  let state = 'idle';    // idle, connecting or joined
  let micToken = 0;      // discards a getUserMedia that a newer one overtook

  function say(msg) { statusBox.textContent = msg || ''; }
  function warn(msg) {
    alertBox.textContent = msg || '';
    alertBox.hidden = !msg;
  }

  // ---- Audio analysis -------------------------------------------------

  function context() {
    if (!audioCtx) {
      const AC = window.AudioContext || window.webkitAudioContext;
      audioCtx = new AC();
    }
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
    return audioCtx;
  }

  // analyser taps a MediaStream with an AnalyserNode that goes nowhere:
  // the page plays remote audio through the <audio> element.
  function analyser(ms) {
    const ctx = context();
    const src = ctx.createMediaStreamSource(ms);
    const node = ctx.createAnalyser();
    node.fftSize = 16384;
    node.smoothingTimeConstant = 0;
    src.connect(node);
    return { src, node, buf: new Float32Array(node.fftSize), spec: new Float32Array(node.frequencyBinCount) };
  }

  function release(a) {
    if (a) a.src.disconnect();
  }

  // rms returns the RMS of the analyser's latest samples (0..1 full scale).
  function rms(a) {
    a.node.getFloatTimeDomainData(a.buf);
    let sum = 0;
    for (let i = 0; i < a.buf.length; i++) sum += a.buf[i] * a.buf[i];
    return Math.sqrt(sum / a.buf.length);
  }

  // amplitude estimates the peak amplitude (0..1) of a sine at freq Hz in
  // the analyser's latest samples: Goertzel over a Hann window.
  function amplitude(a, freq) {
    a.node.getFloatTimeDomainData(a.buf);
    const n = a.buf.length, w = 2 * Math.PI * freq / audioCtx.sampleRate, coeff = 2 * Math.cos(w);
    let s1 = 0, s2 = 0, wsum = 0;
    for (let i = 0; i < n; i++) {
      const h = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
      wsum += h;
      const s0 = a.buf[i] * h + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const re = s1 - s2 * Math.cos(w), im = s2 * Math.sin(w);
    return 2 * Math.hypot(re, im) / wsum;
  }

  // dominant returns the strongest frequency between lo and hi Hz, refined
  // by parabolic interpolation of the dB spectrum, and its amplitude.
  function dominant(a, lo, hi) {
    a.node.getFloatFrequencyData(a.spec);
    const bin = audioCtx.sampleRate / a.node.fftSize;
    let best = -1;
    for (let k = Math.max(1, Math.floor(lo / bin)); k < Math.min(a.spec.length - 1, Math.ceil(hi / bin)); k++) {
      if (best < 0 || a.spec[k] > a.spec[best]) best = k;
    }
    if (best < 0 || !isFinite(a.spec[best])) return { frequency: 0, amplitude: 0, rms: rms(a) };
    const l = a.spec[best - 1], c = a.spec[best], r = a.spec[best + 1];
    const d = (l - 2 * c + r) === 0 ? 0 : 0.5 * (l - r) / (l - 2 * c + r);
    const frequency = (best + d) * bin;
    return { frequency, amplitude: amplitude(a, frequency), rms: rms(a) };
  }

  function probe(get) {
    return {
      dominantFrequency: (lo, hi) => { const a = get(); return a ? dominant(a, lo || 50, hi || 4000) : null; },
      amplitude: (freq) => { const a = get(); return a ? amplitude(a, freq) : null; },
    };
  }
  window.parleyTest = {
    state: () => state,
    sampleRate: () => audioCtx ? audioCtx.sampleRate : 0,
    remote: probe(() => remote),
    local: probe(() => local),
  };

  // The meter and the talking indicator follow the microphone, ten times a
  // second; -60 dBFS and below shows as empty.
  setInterval(() => {
    if (!local) return;
    const db = 20 * Math.log10(rms(local) * Math.SQRT2 + 1e-9);
    const level = Math.max(0, Math.min(1, (db + 60) / 60));
    meter.value = level;
    const dot = document.querySelector('#participants .talk');
    const track = stream && stream.getAudioTracks()[0];
    if (dot) dot.classList.toggle('on', level > 0.25 && !!track && track.enabled);
  }, 100);

  // ---- Microphone -----------------------------------------------------

  function constraints() {
    const audio = {};
    for (const [k, box] of Object.entries(processing)) audio[k] = box.checked;
    if (micSelect.value) audio.deviceId = { exact: micSelect.value };
    return { audio, video: false };
  }

  async function startMic() {
    const token = ++micToken;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    release(local);
    stream = null;
    local = null;
    say(text.mic_asking);
    try {
      const ms = await navigator.mediaDevices.getUserMedia(constraints());
      if (token !== micToken) { ms.getTracks().forEach((t) => t.stop()); return; }
      stream = ms;
      local = analyser(ms);
      warn('');
      say('');
      await listMics();
    } catch (err) {
      if (token !== micToken) return;
      say('');
      const name = err && err.name;
      if (name === 'NotAllowedError' || name === 'SecurityError') warn(text.mic_denied);
      else if (name === 'NotFoundError' || name === 'OverconstrainedError') warn(text.mic_missing);
      else warn(text.mic_failed);
    }
  }

  // listMics fills the picker; labels appear only once the page may use a
  // microphone.
  async function listMics() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const mics = devices.filter((d) => d.kind === 'audioinput');
    const current = stream && stream.getAudioTracks()[0] && stream.getAudioTracks()[0].getSettings().deviceId;
    micSelect.textContent = '';
    mics.forEach((d, i) => {
      const opt = document.createElement('option');
      opt.value = d.deviceId;
      opt.textContent = d.label || (text.mic_default + (i ? ' ' + (i + 1) : ''));
      opt.selected = d.deviceId === current;
      micSelect.appendChild(opt);
    });
    micSelect.disabled = mics.length === 0 || state !== 'idle';
  }

  micSelect.addEventListener('change', startMic);
  for (const box of Object.values(processing)) box.addEventListener('change', startMic);

  // ---- The call -------------------------------------------------------

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function setBusy(busy) {
    joinButton.disabled = busy;
    nameInput.disabled = busy;
    micSelect.disabled = busy || micSelect.options.length === 0 || !stream;
    for (const box of Object.values(processing)) box.disabled = busy;
  }

  function join(ev) {
    ev.preventDefault();
    if (state === 'connecting' || state === 'joined') return;
    const name = nameInput.value.trim();
    if (!name) {
      warn(text.enter_name);
      nameInput.focus();
      return;
    }
    context(); // a click lets the AudioContext run
    warn('');
    banner.hidden = true;
    state = 'connecting';
    setBusy(true);
    say(text.connecting);
    const url = new URL(location.pathname.replace(/\/+$/, '') + '/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '?name=' + encodeURIComponent(name);
    const sock = new WebSocket(url.href);
    ws = sock;
    let queue = Promise.resolve();
    sock.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (_) { return; }
      queue = queue.then(() => signal(msg)).catch(() => end(text.join_failed, true));
    };
    // After the messages already queued: an "error" just before the close
    // says more than "connection lost".
    sock.onclose = () => { queue = queue.then(() => { if (ws === sock) end(text.lost, true); }); };
  }

  let pending = []; // candidates that came before the answer

  async function signal(msg) {
    switch (msg.type) {
      case 'config': {
        pc = new RTCPeerConnection({ iceServers: msg.iceServers || [] });
        const track = stream && stream.getAudioTracks()[0];
        if (track) pc.addTrack(track, stream);
        else pc.addTransceiver('audio', { direction: 'recvonly' });
        pc.onicecandidate = (e) => { if (e.candidate) send({ type: 'candidate', candidate: e.candidate.toJSON() }); };
        pc.ontrack = (e) => {
          const ms = e.streams[0] || new MediaStream([e.track]);
          remoteAudio.srcObject = ms;
          remoteAudio.play().catch(() => {});
          release(remote);
          remote = analyser(ms);
        };
        pc.onconnectionstatechange = () => {
          if (pc && pc.connectionState === 'failed') end(text.lost, true);
        };
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        send({ type: 'offer', sdp: offer.sdp });
        break;
      }
      case 'answer':
        await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
        for (const c of pending) await pc.addIceCandidate(c).catch(() => {});
        pending = [];
        break;
      case 'candidate':
        if (!msg.candidate) break;
        if (pc && pc.remoteDescription) await pc.addIceCandidate(msg.candidate).catch(() => {});
        else pending.push(msg.candidate);
        break;
      case 'joined':
        state = 'joined';
        showCall();
        break;
      case 'banner':
        banner.textContent = msg.text || '';
        banner.hidden = !msg.text;
        break;
      case 'error':
        end(msg.error || text.join_failed, true);
        break;
      case 'ended':
        end(text.ended + (msg.reason ? ' ' + msg.reason : ''), false);
        break;
    }
  }

  function showCall() {
    list.textContent = '';
    const li = document.createElement('li');
    const dot = document.createElement('span');
    dot.className = 'talk';
    dot.setAttribute('aria-hidden', 'true');
    li.appendChild(dot);
    li.appendChild(document.createTextNode(text.you.replace('{{name}}', nameInput.value.trim())));
    list.appendChild(li);
    setMuted(false, false);
    form.hidden = true;
    callView.hidden = false;
    say(text.in_call);
    muteButton.focus();
  }

  function setMuted(muted, announce) {
    const track = stream && stream.getAudioTracks()[0];
    if (track) track.enabled = !muted;
    muteButton.textContent = muted ? text.unmute : text.mute;
    muteButton.disabled = !track;
    if (announce) say(muted ? text.muted : text.unmuted);
  }

  muteButton.addEventListener('click', () => {
    const track = stream && stream.getAudioTracks()[0];
    if (track) setMuted(track.enabled, true);
  });

  leaveButton.addEventListener('click', () => {
    send({ type: 'leave' });
    end(text.left, false);
  });

  // end closes the call, if any, and shows msg: as an alert when isError.
  function end(msg, isError) {
    if (state === 'idle') return;
    const sock = ws;
    ws = null;
    if (sock) sock.close(1000);
    if (pc) pc.close();
    pc = null;
    pending = [];
    release(remote);
    remote = null;
    remoteAudio.srcObject = null;
    const track = stream && stream.getAudioTracks()[0];
    if (track) track.enabled = true;
    state = 'idle';
    callView.hidden = true;
    form.hidden = false;
    setBusy(false);
    if (isError) { say(''); warn(msg); } else { warn(''); say(msg); }
    joinButton.focus();
  }

  window.addEventListener('pagehide', () => send({ type: 'leave' }));

  // ---- Start ----------------------------------------------------------

  form.addEventListener('submit', join);
  if (!window.RTCPeerConnection || !window.WebSocket || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    warn(text.no_webrtc);
    joinButton.disabled = true;
    return;
  }
  document.addEventListener('pointerdown', context, { once: true });
  document.addEventListener('keydown', context, { once: true });
  startMic();
})();
