// The web page of the inference service: draw a digit, record or upload a spoken digit, POST both as
// multipart to /api/predictions, show the answer. No libraries, no network besides this server.
'use strict';

const pad = document.getElementById('pad');
const ctx = pad.getContext('2d');
const $ = (id) => document.getElementById(id);
let drawn = false;
let imageFile = null;
let audioBlob = null;

function clearPad() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
  drawn = false;
}
clearPad();
ctx.strokeStyle = '#fff';
ctx.lineWidth = 20;
ctx.lineCap = 'round';
ctx.lineJoin = 'round';

let last = null;
function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
}
pad.addEventListener('pointerdown', (e) => {
  pad.setPointerCapture(e.pointerId);
  last = point(e);
  ctx.beginPath();
  ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
  ctx.fillStyle = '#fff';
  ctx.fill();
  drawn = true;
  imageFile = null;
  $('imageFile').value = '';
});
pad.addEventListener('pointermove', (e) => {
  if (!last) return;
  const p = point(e);
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
});
['pointerup', 'pointercancel', 'pointerleave'].forEach((t) => pad.addEventListener(t, () => { last = null; }));
$('clear').addEventListener('click', () => { clearPad(); imageFile = null; $('imageFile').value = ''; });
$('imageFile').addEventListener('change', (e) => {
  imageFile = e.target.files[0] || null;
  if (imageFile) {
    clearPad();
    const img = new Image();
    img.onload = () => { ctx.drawImage(img, 0, 0, pad.width, pad.height); URL.revokeObjectURL(img.src); };
    img.src = URL.createObjectURL(imageFile);
  }
});

// --- audio: upload a WAV, or record from the microphone and encode 16-bit PCM WAV here ---
$('audioFile').addEventListener('change', (e) => {
  const f = e.target.files[0] || null;
  setAudio(f, f ? 'file: ' + f.name : 'no audio');
});

function setAudio(blob, label) {
  audioBlob = blob;
  $('audioState').textContent = label;
  const player = $('playback');
  if (blob) { player.src = URL.createObjectURL(blob); player.hidden = false; } else { player.hidden = true; }
}

function encodeWav(samples, rate) {
  const buf = new ArrayBuffer(44 + samples.length * 2);
  const v = new DataView(buf);
  const str = (o, s) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
  str(0, 'RIFF'); v.setUint32(4, 36 + samples.length * 2, true); str(8, 'WAVE');
  str(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  str(36, 'data'); v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    v.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([buf], { type: 'audio/wav' });
}

$('record').addEventListener('click', async () => {
  const button = $('record');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) {
    $('audioState').textContent = 'microphone not available: ' + err.message;
    return;
  }
  button.disabled = true;
  $('audioState').textContent = 'recording…';
  const ac = new AudioContext();
  const source = ac.createMediaStreamSource(stream);
  const proc = ac.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  proc.onaudioprocess = (ev) => chunks.push(new Float32Array(ev.inputBuffer.getChannelData(0)));
  source.connect(proc);
  proc.connect(ac.destination);
  setTimeout(async () => {
    proc.disconnect(); source.disconnect();
    stream.getTracks().forEach((t) => t.stop());
    const n = chunks.reduce((a, c) => a + c.length, 0);
    const all = new Float32Array(n);
    let at = 0;
    chunks.forEach((c) => { all.set(c, at); at += c.length; });
    setAudio(encodeWav(all, ac.sampleRate), 'recorded ' + (n / ac.sampleRate).toFixed(1) + ' s at ' + ac.sampleRate + ' Hz');
    await ac.close();
    button.disabled = false;
  }, 1500);
});

// --- prediction ---
function showError(msg) {
  $('error').textContent = msg;
  $('error').hidden = false;
}

function render(p) {
  $('error').hidden = true;
  $('result').hidden = false;
  $('digit').textContent = p.label;
  $('modalities').textContent = 'used: ' + p.modalities.join(' + ') + ' · model ' + p.modelVersion;
  $('note').textContent = p.note || '';
  const bars = $('bars');
  bars.replaceChildren();
  p.probabilities.forEach((prob, k) => {
    const label = document.createElement('span');
    label.textContent = k;
    const track = document.createElement('div');
    const bar = document.createElement('div');
    bar.className = 'bar' + (k === p.label ? ' best' : '');
    bar.style.width = (prob * 100).toFixed(1) + '%';
    track.appendChild(bar);
    const value = document.createElement('span');
    value.textContent = (prob * 100).toFixed(1) + '%';
    bars.append(label, track, value);
  });
}

$('predict').addEventListener('click', async () => {
  const form = new FormData();
  if (imageFile) {
    form.append('image', imageFile, imageFile.name);
  } else if (drawn) {
    const png = await new Promise((resolve) => pad.toBlob(resolve, 'image/png'));
    form.append('image', png, 'drawing.png');
  }
  if (audioBlob) form.append('audio', audioBlob, 'speech.wav');
  if (!form.has('image') && !form.has('audio')) {
    showError('Draw a digit or give a recording first.');
    return;
  }
  $('predict').disabled = true;
  try {
    const res = await fetch('api/predictions', { method: 'POST', body: form });
    const body = await res.json();
    if (!res.ok) {
      showError(body.detail || body.title || ('HTTP ' + res.status));
    } else {
      render(body);
    }
  } catch (err) {
    showError('request failed: ' + err.message);
  } finally {
    $('predict').disabled = false;
  }
});

async function status() {
  try {
    const body = await (await fetch('api/model')).json();
    $('status').textContent = body.loaded ? 'model "' + body.name + '" version ' + body.version + ' loaded'
      : 'no model yet: train one (trainer-service); predictions answer 503 until it is released';
  } catch (err) {
    $('status').textContent = 'service unreachable: ' + err.message;
  }
}
status();
setInterval(status, 10000);
