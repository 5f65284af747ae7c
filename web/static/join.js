// The guest join page of Parley: pick a microphone and a camera, watch the
// level and the preview, join the room over WebRTC, see the others' videos,
// mute, turn the camera off and on, leave. Plain browser APIs, no build step.
//
// Signalling is JSON over the WebSocket /join/TOKEN/ws?name=NAME (see
// webrtc/signal.go and webrtc/renegotiate.go): the server sends "config"
// first; the page answers with its one and only "offer" (audio, and a
// sendonly video transceiver whether or not the camera is on, in up to
// three simulcast layers), receives an
// "answer", and both trickle "candidate"s; then "joined", maybe a "banner",
// and "error" or "ended" when the call cannot go on. Once joined, a
// "roster" lists the room's participants (name, role, edge, muted,
// talking, the guest's own marked self), and another replaces it whenever
// that changes (see webrtc/roster.go). After that the server
// sends an "offer" whenever the videos it forwards change, and the page
// answers each; it never offers again (the camera goes on and off with
// RTCRtpSender.replaceTrack, which needs no negotiation). Each forwarded
// video arrives on its own m-line whose stream ID is the publisher's
// participant ID, which the roster maps to a name for the tile's label;
// the m-line goes inactive when the publisher leaves. A "codec" message
// asks the page to send its camera in another codec: it offers again with
// that codec first (the only offer after its first). The page sends
// "mute" with its mute button (the room marks the guest muted) and
// "leave" to hang up.
//
// In a cluster the socket's first and only message may be "node" instead:
// another node serves the room, and the page opens its socket at the URL
// it names (web/cluster.go).
//
// For tests, window.parleyTest reads the audio the page hears (remote) and
// sends (local): dominant frequency and amplitude of a tone; and
// inboundVideo() resolves to the decoding stats of each remote video. A URL
// with ?raw=1 turns echo cancellation, noise suppression and automatic gain
// off, so that a test tone goes through unchanged.
(function () {
  'use strict';

  const text = JSON.parse(document.getElementById('parley-text').textContent);
  const $ = (id) => document.getElementById(id);
  const form = $('join-form');
  const nameInput = $('name');
  const joinButton = $('join');
  const micSelect = $('microphone');
  const camSelect = $('camera');
  const preview = $('preview');
  const videos = $('videos');
  const cameraButton = $('camera-toggle');
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
  let settled = false;   // the device lists are filled in (parleyTest.settled)
  let micToken = 0;      // discards a getUserMedia that a newer one overtook
  let camStream = null;  // the camera's MediaStream, or null while it is off
  let camChoice = '';    // deviceId of the camera to use ('' the default)
  let camToken = 0;      // discards a camera getUserMedia that was overtaken
  let videoSender = null; // the RTCRtpSender of the call's video transceiver
  let camera = null;      // the call's video transceiver (the camera's m-line)
  let wantCodec = '';     // the video codec the room asked this page to send ("codec")
  let me = '';           // this guest's participant ID, once joined
  let joinedAt = 0;      // performance.now() when "joined" came
  const tiles = new Map(); // remote video tiles by receiver track ID
  let people = new Map(); // the room's participants by ID, as the last "roster" listed them
  let askedMuted = null;  // the mute state the page asked the room for, until a roster shows it

  function say(msg) { statusBox.textContent = msg || ''; }
  // warn adds msg to the alerts (a blocked microphone and a blocked camera
  // both show); warn('') clears them all.
  function warn(msg) {
    if (!msg) {
      alertBox.textContent = '';
    } else if (![...alertBox.children].some((p) => p.textContent === msg)) {
      const p = document.createElement('p');
      p.textContent = msg;
      alertBox.append(p);
    }
    alertBox.hidden = alertBox.children.length === 0;
  }
  // unsay and unwarn clear only msgs: a device that starts late must not
  // wipe out what the call said meanwhile, such as "the room is full".
  function unsay(...msgs) { if (msgs.includes(statusBox.textContent)) say(''); }
  function unwarn(...msgs) {
    for (const p of [...alertBox.children]) if (msgs.includes(p.textContent)) p.remove();
    alertBox.hidden = alertBox.children.length === 0;
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
    // settled is true once the microphone and camera lists are filled
    // in, after which the form no longer moves under the pointer.
    settled: () => settled,
    sampleRate: () => audioCtx ? audioCtx.sampleRate : 0,
    remote: probe(() => remote),
    local: probe(() => local),
    participant: () => me,
    joinedAt: () => joinedAt,
    camera: () => !!camStream,
    // inboundVideo resolves to one entry per remote video the call
    // receives ("inbound-rtp" stats of kind video): the publisher's
    // participant ID (null if no tile shows the track, as after it ended),
    // frames decoded and the width of the last frame.
    inboundVideo: async () => {
      if (!pc) return [];
      const out = [];
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        const tile = tiles.get(s.trackIdentifier);
        out.push({
          participant: tile ? tile.participant : null, track: s.trackIdentifier, mid: s.mid,
          framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0,
        });
      });
      return out;
    },
  };

  // The meter follows the microphone, ten times a second; -60 dBFS and
  // below shows as empty. (The talking indicators of the participant list
  // follow the room's mixer, through the roster.)
  setInterval(() => {
    if (!local) return;
    const db = 20 * Math.log10(rms(local) * Math.SQRT2 + 1e-9);
    meter.value = Math.max(0, Math.min(1, (db + 60) / 60));
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
      unwarn(text.mic_denied, text.mic_missing, text.mic_failed);
      unsay(text.mic_asking);
      await listMics();
    } catch (err) {
      if (token !== micToken) return;
      unsay(text.mic_asking);
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

  // ---- Camera ---------------------------------------------------------

  // The camera has its own MediaStream, so that turning it off (which stops
  // it: its light goes out) leaves the microphone alone.

  // initCamera turns the camera on if the device has one (enumerateDevices
  // lists it, without a label, before the page may use it); otherwise the
  // picker stays at Off.
  async function initCamera() {
    let cams = [];
    try {
      cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    } catch (_) { /* no list, no camera */ }
    if (cams.length === 0 || camStream) {
      await listCameras();
      return;
    }
    await startCamera(camChoice);
  }

  // startCamera opens the camera deviceId ('' for the default), shows it
  // and, in a call, sends it. It resolves to whether the camera runs.
  async function startCamera(deviceId) {
    const token = ++camToken;
    dropCamera();
    say(text.camera_asking);
    const video = { width: { ideal: 640 }, height: { ideal: 480 } };
    if (deviceId) video.deviceId = { exact: deviceId };
    try {
      const ms = await navigator.mediaDevices.getUserMedia({ audio: false, video });
      if (token !== camToken) { ms.getTracks().forEach((t) => t.stop()); return false; }
      camStream = ms;
      const track = ms.getVideoTracks()[0];
      camChoice = (track && track.getSettings().deviceId) || deviceId;
      unwarn(text.camera_denied, text.camera_failed);
      unsay(text.camera_asking);
      showCamera();
      if (videoSender) await videoSender.replaceTrack(track);
      await listCameras();
      return true;
    } catch (err) {
      if (token !== camToken) return false;
      unsay(text.camera_asking);
      const name = err && err.name;
      warn(name === 'NotAllowedError' || name === 'SecurityError' ? text.camera_denied : text.camera_failed);
      showCamera();
      await listCameras();
      return false;
    }
  }

  // stopCamera turns the camera off; in a call the video transceiver stays
  // and sends nothing, so turning it on again needs no new offer.
  function stopCamera() {
    camToken++;
    dropCamera();
    showCamera();
    if (videoSender) videoSender.replaceTrack(null).catch(() => {});
    if (camSelect.options.length) camSelect.value = '';
  }

  function dropCamera() {
    if (camStream) camStream.getTracks().forEach((t) => t.stop());
    camStream = null;
  }

  // showCamera points the preview, the self tile and the camera button at
  // the camera as it is now.
  function showCamera() {
    preview.srcObject = camStream;
    preview.hidden = !camStream;
    if (camStream) preview.play().catch(() => {});
    const self = videos.querySelector('.tile.self');
    if (self) {
      const v = self.querySelector('video');
      v.srcObject = camStream;
      if (camStream) v.play().catch(() => {});
      self.classList.toggle('off', !camStream);
    }
    cameraButton.textContent = camStream ? text.camera_stop : text.camera_start;
    cameraButton.disabled = !camStream && !hasCamera();
  }

  function hasCamera() {
    return camSelect.options.length > 1;
  }

  // listCameras fills the picker: Off, then each camera, the running one
  // selected; labels appear only once the page may use a camera.
  async function listCameras() {
    let cams = [];
    try {
      cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    } catch (_) { /* keep Off only */ }
    const track = camStream && camStream.getVideoTracks()[0];
    const current = track ? track.getSettings().deviceId : '';
    camSelect.textContent = '';
    const off = document.createElement('option');
    off.value = '';
    off.textContent = text.camera_off;
    camSelect.appendChild(off);
    cams.forEach((d, i) => {
      const opt = document.createElement('option');
      opt.value = d.deviceId;
      opt.textContent = d.label || (text.camera_default + (i ? ' ' + (i + 1) : ''));
      camSelect.appendChild(opt);
    });
    camSelect.value = track ? current : '';
    if (track && camSelect.value !== current) camSelect.selectedIndex = 1; // unlabelled until allowed
    camSelect.disabled = cams.length === 0 || state !== 'idle';
    showCamera();
  }

  camSelect.addEventListener('change', () => {
    if (camSelect.value) startCamera(camSelect.value);
    else stopCamera();
  });

  cameraButton.addEventListener('click', async () => {
    if (camStream) {
      stopCamera();
      say(text.camera_is_off);
    } else if (await startCamera(camChoice)) {
      say(text.camera_on);
    }
  });

  // ---- Remote videos --------------------------------------------------

  // addTile shows the forwarded video of track e, labelled with the name
  // the roster gives the publisher's participant ID (the stream ID). A
  // track that comes again (the server reused its m-line) replaces its
  // tile.
  function addTile(e) {
    const track = e.track;
    const participant = (e.streams[0] && e.streams[0].id) || '';
    removeTile(track.id);
    const li = document.createElement('li');
    li.className = 'tile';
    li.dataset.participant = participant;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true; // the room's sound comes mixed through #remote
    video.srcObject = new MediaStream([track]);
    const caption = document.createElement('span');
    caption.className = 'label';
    caption.setAttribute('aria-hidden', 'true');
    li.append(video, caption);
    videos.appendChild(li);
    video.play().catch(() => {});
    const tile = { li, track, participant, receiver: e.receiver, video, caption };
    tiles.set(track.id, tile);
    labelTile(tile);
    // A remote track is muted until its first packets come, and again when
    // they stop: the tile stays, dark, until the track ends.
    li.classList.toggle('waiting', track.muted);
    track.addEventListener('mute', () => li.classList.add('waiting'));
    track.addEventListener('unmute', () => li.classList.remove('waiting'));
    track.addEventListener('ended', () => removeTile(track.id, li));
    if (e.streams[0]) {
      e.streams[0].addEventListener('removetrack', (ev) => { if (ev.track === track) removeTile(track.id, li); });
    }
  }

  // labelTile names a tile after its publisher, or "a participant" while
  // the roster does not list the publisher yet.
  function labelTile(tile) {
    const p = people.get(tile.participant);
    const name = p ? displayName(p) : text.someone;
    tile.caption.textContent = name;
    tile.video.setAttribute('aria-label', text.video_of.replace('{{name}}', name));
  }

  // removeTile removes the tile of track id (only if it is still li, when
  // given).
  function removeTile(id, li) {
    const tile = tiles.get(id);
    if (!tile || (li && tile.li !== li)) return;
    tiles.delete(id);
    tile.li.querySelector('video').srcObject = null;
    tile.li.remove();
  }

  // sweepTiles removes the tiles whose m-line no longer receives: browsers
  // do not all end the track when the server makes its m-line inactive.
  function sweepTiles() {
    if (!pc) return;
    const live = new Set();
    for (const t of pc.getTransceivers()) {
      const dir = t.currentDirection;
      if (!t.stopped && (dir === 'recvonly' || dir === 'sendrecv')) live.add(t.receiver.track.id);
    }
    for (const id of [...tiles.keys()]) if (!live.has(id)) removeTile(id);
  }

  // switchCodec makes the camera's m-line send wantCodec, which the room
  // chose so that most of the others can decode it (video is forwarded,
  // never transcoded): with that codec first in the m-line's preferences,
  // the page offers again and the server's answer lists it first. Nothing
  // happens when the page sends it already, cannot send it, or is in the
  // middle of another exchange (it is tried again after the next offer).
  async function switchCodec() {
    if (!pc || !camera || !wantCodec || pc.signalingState !== 'stable' || !camera.setCodecPreferences) return;
    const same = (c) => c.mimeType.toLowerCase() === wantCodec.toLowerCase();
    const now = (videoSender.getParameters().codecs || [])[0];
    if (now && same(now)) return;
    const sendable = (RTCRtpSender.getCapabilities('video') || { codecs: [] }).codecs;
    if (!sendable.some(same)) return;
    const codecs = (RTCRtpReceiver.getCapabilities('video') || { codecs: [] }).codecs;
    try {
      camera.setCodecPreferences([...codecs.filter(same), ...codecs.filter((c) => !same(c))]);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      send({ type: 'offer', sdp: offer.sdp });
    } catch (err) {
      console.warn('parley: video codec not changed', err);
    }
  }

  // answerOffer answers one of the server's renegotiation offers. Offers
  // never overlap: the page handles its signalling messages one at a time,
  // in order, so an offer that arrives while another is being applied
  // waits its turn (and the server sends the next only after the answer).
  async function answerOffer(sdp) {
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      send({ type: 'answer', sdp: answer.sdp });
    } catch (err) {
      // The call keeps its sound; the server offers again with the next
      // change of videos.
      console.warn('parley: video offer not applied', err);
      if (pc && pc.signalingState === 'have-remote-offer') {
        await pc.setRemoteDescription({ type: 'rollback' }).catch(() => {});
      }
    }
    sweepTiles();
  }
  for (const box of Object.values(processing)) box.addEventListener('change', startMic);

  // ---- The call -------------------------------------------------------

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function setBusy(busy) {
    joinButton.disabled = busy;
    nameInput.disabled = busy;
    micSelect.disabled = busy || micSelect.options.length === 0 || !stream;
    camSelect.disabled = busy || !hasCamera();
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
    connect(new URL(location.pathname.replace(/\/+$/, '') + '/ws', location.href), name, 0);
  }

  // connect opens the signalling socket at url (http(s) or ws(s)). In a
  // cluster the first message may be "node": the room is served by
  // another node, whose socket for this link msg.url names; the page opens
  // that one instead (at most twice, in case the room moved meanwhile).
  function connect(url, name, hops) {
    url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
    url.search = '?name=' + encodeURIComponent(name);
    const sock = new WebSocket(url.href);
    ws = sock;
    let queue = Promise.resolve();
    sock.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (_) { return; }
      if (msg.type === 'node') {
        if (ws !== sock) return;
        let next = null;
        try { next = new URL(msg.url); } catch (_) { /* stays null */ }
        if (!next || hops >= 2) { end(text.join_failed, true); return; }
        connect(next, name, hops + 1); // ws is the new socket now: this one's close says nothing
        sock.close();
        return;
      }
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
        // The camera's m-line is in the first offer even while the camera
        // is off: replaceTrack turns it on and off without an offer. It
        // sends simulcast (RFC 8853), layers lowest first, and the server
        // gives each receiver the layer its bandwidth takes. Chrome sends
        // no more layers than the camera's size allows (3 from 960×540, 2
        // from 480×270) and drops the top ones, so the page asks for that
        // many; a smaller camera, none, or a browser that refuses the
        // encodings sends one stream.
        const cam = camStream && camStream.getVideoTracks()[0];
        const init = cam ? { direction: 'sendonly', streams: [camStream] } : { direction: 'sendonly' };
        const { width = 0, height = 0 } = cam ? cam.getSettings() : {};
        const px = width * height;
        const layers = [
          { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
          { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
          { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1200000 },
        ].slice(px >= 960 * 540 ? 0 : px >= 480 * 270 ? 1 : 3);
        try { camera = pc.addTransceiver(cam || 'video', layers.length ? { ...init, sendEncodings: layers } : init); }
        catch (_) { camera = pc.addTransceiver(cam || 'video', init); }
        videoSender = camera.sender;
        pc.onicecandidate = (e) => { if (e.candidate) send({ type: 'candidate', candidate: e.candidate.toJSON() }); };
        pc.ontrack = (e) => {
          if (e.track.kind === 'video') { addTile(e); return; }
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
      case 'offer':
        if (pc && msg.sdp) await answerOffer(msg.sdp);
        await switchCodec(); // an offer of ours that crossed the server's was dropped
        break;
      case 'codec':
        wantCodec = msg.codec || '';
        await switchCodec();
        break;
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
        me = msg.participant || '';
        joinedAt = performance.now();
        state = 'joined';
        showCall();
        break;
      case 'roster':
        if (state === 'joined') showRoster(msg.roster || []);
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
    // The guest alone, until the first roster lists everyone.
    showRoster([{ id: me, name: nameInput.value.trim(), role: '', muted: false, talking: false, self: true }]);
    videos.textContent = '';
    const self = document.createElement('li');
    self.className = 'tile self';
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    video.setAttribute('aria-label', text.preview);
    const caption = document.createElement('span');
    caption.className = 'label';
    caption.textContent = text.you.replace('{{name}}', nameInput.value.trim());
    const placeholder = document.createElement('span');
    placeholder.className = 'placeholder';
    placeholder.textContent = text.camera_is_off;
    self.append(video, placeholder, caption);
    videos.appendChild(self);
    showCamera();
    document.querySelector('main').classList.add('in-call');
    setMuted(false, false);
    form.hidden = true;
    callView.hidden = false;
    say(text.in_call);
    muteButton.focus();
  }

  // ---- Participants ---------------------------------------------------

  // displayName is how the page names participant p: a phone whose only
  // name is its number comes without one (the server keeps numbers from
  // guests).
  function displayName(p) { return p.name || text.phone; }

  // showRoster makes the participant list show entries, a roster in join
  // order: it reuses the items of those still there, so that only what
  // changed changes, and relabels the video tiles.
  function showRoster(entries) {
    const items = new Map([...list.children].map((li) => [li.dataset.participant, li]));
    people = new Map(entries.map((p) => [p.id, p]));
    entries.forEach((p, i) => {
      const li = items.get(p.id) || rosterItem(p.id);
      items.delete(p.id);
      fillItem(li, p);
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    for (const li of items.values()) li.remove();
    for (const tile of tiles.values()) labelTile(tile);
    const self = entries.find((p) => p.self);
    const track = stream && stream.getAudioTracks()[0];
    if (!self || !track) return;
    if (askedMuted !== null) {
      // A roster sent before the room took our mute says the old state.
      if (self.muted === askedMuted) askedMuted = null;
    } else if (self.muted === track.enabled) {
      setMuted(self.muted, true); // a moderator muted or unmuted us
    }
  }

  // rosterItem makes the list item of participant id: a talking
  // indicator, the name, the role and a muted mark.
  function rosterItem(id) {
    const li = document.createElement('li');
    li.dataset.participant = id;
    const talk = document.createElement('span');
    talk.className = 'talk';
    talk.setAttribute('role', 'img');
    const name = document.createElement('span');
    name.className = 'name';
    const role = document.createElement('span');
    role.className = 'role';
    const muted = document.createElement('span');
    muted.className = 'muted-mark';
    muted.textContent = text.muted_mark;
    li.append(talk, name, role, muted);
    return li;
  }

  // fillItem shows participant p in its list item.
  function fillItem(li, p) {
    const [talk, name, role, muted] = li.children;
    talk.classList.toggle('on', !!p.talking);
    talk.setAttribute('aria-label', p.talking ? text.talking : text.silent);
    name.textContent = p.self ? text.you.replace('{{name}}', displayName(p)) : displayName(p);
    role.textContent = text['role_' + p.role] || '';
    muted.hidden = !p.muted;
    li.classList.toggle('self', !!p.self);
  }

  function setMuted(muted, announce) {
    const track = stream && stream.getAudioTracks()[0];
    if (track) track.enabled = !muted;
    muteButton.textContent = muted ? text.unmute : text.mute;
    muteButton.disabled = !track;
    if (announce) say(muted ? text.muted : text.unmuted);
  }

  // The mute button mutes the microphone here and tells the room, as a
  // phone's mute key does, so that everyone's list shows it; a moderator's
  // mute comes back in the roster and mutes the microphone here too.
  muteButton.addEventListener('click', () => {
    const track = stream && stream.getAudioTracks()[0];
    if (!track) return;
    setMuted(track.enabled, true);
    askedMuted = !track.enabled;
    send({ type: 'mute', muted: askedMuted });
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
    videoSender = null;
    camera = null;
    wantCodec = '';
    me = '';
    for (const id of [...tiles.keys()]) removeTile(id);
    videos.textContent = '';
    people = new Map();
    askedMuted = null;
    list.textContent = '';
    document.querySelector('main').classList.remove('in-call');
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
  // Over plain http:// (other than localhost) browsers hide the microphone
  // and WebRTC: say that HTTPS is missing rather than blame the browser.
  if (window.isSecureContext === false) {
    warn(text.needs_https);
    joinButton.disabled = true;
    return;
  }
  if (!window.RTCPeerConnection || !window.WebSocket || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    warn(text.no_webrtc);
    joinButton.disabled = true;
    return;
  }
  document.addEventListener('pointerdown', context, { once: true });
  document.addEventListener('keydown', context, { once: true });
  startMic().then(initCamera).finally(() => { settled = true; });
})();
