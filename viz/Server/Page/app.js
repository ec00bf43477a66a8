// engine-viz serve: the page. Plain JS, no build step, no outside resource: everything comes from this server.
// State lives in `view` and in the URL's hash (#sample=…|image=…&layer=…&channel=…&mode=…), so a view can be
// reloaded or shared. The server does the work; this file asks for pictures and shows them.
'use strict';

const $ = id => document.getElementById(id);
const view = { model: null, image: null, sample: null, layer: null, channel: null, mode: 'max', job: null, source: null, camera: null };

// ---- talking to the server -------------------------------------------------------------------------------------

class Problem extends Error {
  constructor(status, detail, retryAfter) { super(detail); this.status = status; this.retryAfter = retryAfter; }
}

async function api(url, options = {}) {
  const response = await fetch(url, options);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try { const p = await response.json(); detail = p.detail || p.title || detail; } catch { /* not JSON */ }
    throw new Problem(response.status, detail, Number(response.headers.get('Retry-After') || 0));
  }
  return response;
}

function say(text, ok = false) { const s = $('status'); s.textContent = text; s.className = ok ? 'ok' : ''; }
function fail(error) { say(error instanceof Error ? error.message : String(error)); }

const imageUrl = (...parts) => `/api/images/${encodeURIComponent(view.image.id)}/` + parts.map(encodeURIComponent).join('/');
const layerInfo = name => view.image?.layers.find(l => l.name === name);
const layerIndex = name => view.model.layers.findIndex(l => l.name === name);

// ---- the URL encodes the view ----------------------------------------------------------------------------------

function writeHash() {
  const p = new URLSearchParams();
  if (view.sample) p.set('sample', view.sample); else if (view.image) p.set('image', view.image.id);
  if (view.layer) p.set('layer', view.layer);
  if (view.channel !== null) p.set('channel', String(view.channel));
  if (view.mode !== 'max') p.set('mode', view.mode);
  const hash = '#' + p.toString();
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

async function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (['max', 'map', 'guided'].includes(p.get('mode'))) { view.mode = p.get('mode'); $('mode').value = view.mode; }
  try {
    if (p.get('sample')) await openSample(p.get('sample'));
    else if (p.get('image')) await showImage(await (await api(`/api/images/${encodeURIComponent(p.get('image'))}`)).json(), null);
    else return;
  } catch (e) { fail(e); return; }
  if (p.get('layer') && layerInfo(p.get('layer'))) {
    await selectLayer(p.get('layer'));
    const c = Number(p.get('channel'));
    if (p.get('channel') !== null && Number.isInteger(c)) await selectChannel(c);
  }
}

// ---- the model -------------------------------------------------------------------------------------------------

async function loadModel() {
  const model = await (await api('/api/model')).json();
  view.model = model;
  const input = model.input || { height: model.inputSide, width: model.inputSide, channels: 3 };
  $('model-info').textContent = `${model.network} · weights: ${model.weights} · device: ${model.device} · input ${input.height}×${input.width}` +
    (input.channels === 1 ? ' grayscale' : '');
  $('network-name').textContent = `${model.network}, live`;
  document.title = `engine-viz — ${model.network} live`;
  $('animations-panel').hidden = model.animations === false;
  if (input.height !== input.width) // a non-square input is shown whole (not cropped), so the occlusion overlay lines up
    for (const id of ['input-img', 'occ-overlay']) $(id).style.height = `${Math.round(224 * input.height / input.width)}px`;
  if (model.classes) $('occ-class').max = String(model.classes - 1);
  $('random-weights').hidden = !model.randomWeights;
  const select = $('sample');
  for (const name of model.samples) select.add(new Option(name, name));
  select.disabled = model.samples.length === 0;
  if (model.samples.length === 0) select.options[0].text = '— no samples (--samples DIR) —';
  const strip = $('layers');
  strip.replaceChildren(...model.layers.map(l => {
    const b = document.createElement('button');
    b.type = 'button'; b.className = 'layer ' + l.kind; b.dataset.layer = l.name;
    b.setAttribute('role', 'option'); b.setAttribute('aria-selected', 'false');
    b.innerHTML = `<span class="name"></span><span class="shape"></span>`;
    b.querySelector('.name').textContent = l.name;
    b.querySelector('.shape').textContent = l.shape.slice(1).join('×');
    b.disabled = true;
    b.addEventListener('click', () => selectLayer(l.name).catch(fail));
    return b;
  }));
  const occ = $('occ-layer');
  for (const l of model.layers) occ.add(new Option(l.name, l.name));
  occ.value = model.layers.some(l => l.name === 'block5_conv3') ? 'block5_conv3' : model.layers[model.layers.length - 1].name;
  $('occ-patch').value = Math.max(1, Math.round(model.inputSide * 2 / 7));
  $('occ-stride').value = Math.max(1, Math.round(model.inputSide / 7));
  $('occ-class-label').hidden = !model.hasTop;
  $('top5-note').textContent = model.hasTop ? (model.outputIsProbability === false ? 'scores (the model ends without a softmax)' : '')
    : 'these weights have no classifier top: no top-5';
  document.body.dataset.ready = 'model';
}

// ---- choosing an image -----------------------------------------------------------------------------------------

async function openSample(name) {
  say(`running ${view.model.network} on ${name}…`, true);
  const info = await (await api(`/api/images?sample=${encodeURIComponent(name)}`, { method: 'POST' })).json();
  $('sample').value = name;
  await showImage(info, name);
}

async function openBytes(blob, name) {
  say(`running ${view.model.network} on ${name}…`, true);
  const info = await (await api('/api/images', { method: 'POST', body: blob, headers: { 'X-File-Name': name.replace(/[^\x20-\x7e]/g, '_').slice(0, 150) } })).json();
  $('sample').value = '';
  await showImage(info, null);
}

async function showImage(info, sample) {
  stopCamera();
  view.image = info; view.sample = sample;
  $('input-img').src = imageUrl('input.png');
  const input = info.input || { height: info.inputSide, width: info.inputSide };
  $('input-caption').textContent = `${info.name} · ${info.width}×${info.height} → ${input.width}×${input.height}`;
  $('occ-overlay').hidden = true;
  showTop5(info.top5);
  for (const b of $('layers').children) b.disabled = false;
  $('occ-run').disabled = false;
  $('journey-button').disabled = view.model.animations === false; $('zoom-button').disabled = view.model.animations === false || view.model.zoom === false;
  $('journey-img').hidden = true; $('zoom-img').hidden = true;
  $('occ-map').hidden = true; $('occ-prob').hidden = true; $('occ-status').textContent = ''; $('occ-progress').value = 0;
  say(`${info.name}: forward pass done; choose a layer`, true);
  document.body.dataset.image = info.id;
  const layer = view.layer && layerInfo(view.layer) ? view.layer : null;
  view.channel = null;
  $('channel-panel').hidden = true;
  if (layer) await selectLayer(layer); else writeHash();
}

function showTop5(top5) {
  const list = $('top5');
  list.replaceChildren(...(top5 || []).map(c => {
    const li = document.createElement('li');
    li.textContent = view.model.outputIsProbability === false ? `${c.label} ${c.probability.toPrecision(4)}` : `${c.label} ${(100 * c.probability).toFixed(1)}%`;
    li.title = `class ${c.index}`;
    return li;
  }));
}

// ---- layers and channels ---------------------------------------------------------------------------------------

async function selectLayer(name) {
  if (!view.image) return;
  view.layer = name;
  for (const b of $('layers').children) b.setAttribute('aria-selected', String(b.dataset.layer === name));
  $('layers').querySelector(`[data-layer="${name}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  const info = layerInfo(name);
  $('grid-panel').hidden = false;
  $('grid-title').textContent = `${name} · ${info.shape.slice(1).join('×')} · ${info.atlas.channels} channels`;
  $('grid-stats').textContent = `min ${info.min.toPrecision(4)} · mean ${info.mean.toPrecision(4)} · max ${info.max.toPrecision(4)} · ${info.zeroPercent.toFixed(1)}% zeros · click a channel`;
  if (!view.camera) await loadInto($('atlas'), imageUrl('layers', name, 'atlas.png'));
  if (view.channel !== null) await selectChannel(Math.min(view.channel, info.atlas.channels - 1));
  else { markChannel(); writeHash(); }
}

function loadInto(img, src) {
  return new Promise((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error(`could not load ${src}`));
    img.src = src;
  });
}

function currentAtlas() { return view.camera?.layout && view.camera.layer === view.layer ? view.camera.layout : layerInfo(view.layer)?.atlas; }

function markChannel() {
  const mark = $('atlas-mark'), atlas = currentAtlas(), img = $('atlas');
  if (view.channel === null || !atlas || !img.naturalWidth) { mark.hidden = true; return; }
  const k = img.clientWidth / atlas.width;
  const x = atlas.gap + (view.channel % atlas.columns) * (atlas.tileWidth + atlas.gap);
  const y = atlas.gap + Math.floor(view.channel / atlas.columns) * (atlas.tileHeight + atlas.gap);
  Object.assign(mark.style, { left: `${x * k - 2}px`, top: `${y * k - 2}px`, width: `${atlas.tileWidth * k + 4}px`, height: `${atlas.tileHeight * k + 4}px` });
  mark.hidden = false;
}

function channelAt(event) {
  const atlas = currentAtlas(), img = $('atlas');
  const rect = img.getBoundingClientRect();
  const x = (event.clientX - rect.left) * atlas.width / rect.width, y = (event.clientY - rect.top) * atlas.height / rect.height;
  const col = Math.floor((x - atlas.gap) / (atlas.tileWidth + atlas.gap)), row = Math.floor((y - atlas.gap) / (atlas.tileHeight + atlas.gap));
  if (col < 0 || row < 0 || col >= atlas.columns) return null;
  const c = row * atlas.columns + col;
  return c < atlas.channels ? c : null;
}

let channelValues = null;

async function selectChannel(c) {
  const info = layerInfo(view.layer);
  if (!info || c < 0 || c >= info.atlas.channels) return;
  view.channel = c;
  markChannel();
  writeHash();
  $('channel-panel').hidden = false;
  $('channel-title').textContent = `${view.layer} · channel ${c}`;
  const [h, w] = info.shape.slice(1, 3);
  channelValues = null;
  const valuesUrl = imageUrl('layers', view.layer, 'channels', String(c), 'values');
  const wanted = `${view.image.id}/${view.layer}/${c}`;
  const values = api(valuesUrl).then(r => r.arrayBuffer()).then(b => { if (wanted === `${view.image.id}/${view.layer}/${view.channel}`) channelValues = { h, w, data: new Float32Array(b) }; });
  $('channel-img').src = imageUrl('layers', view.layer, 'channels', `${c}.png`);
  $('value-readout').textContent = 'hover for values';
  await Promise.all([values, project(), features()]);
}

async function project() {
  const img = $('projection-img');
  const key = `${view.image.id}/${view.layer}/${view.channel}/${view.mode}`;
  img.dataset.key = key;
  img.dataset.state = 'loading';
  $('projection-caption').textContent = `projecting (${view.mode})…`;
  const started = performance.now();
  const src = imageUrl('layers', view.layer, 'channels', String(view.channel), 'projection', `${view.mode}.png`);
  try {
    const blob = await (await api(src)).blob();
    if (img.dataset.key !== key) return; // a newer request won
    if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
    await loadInto(img, URL.createObjectURL(blob));
    img.dataset.state = 'ready';
    $('projection-caption').textContent = `deconv projection, ${view.mode} · ${Math.round(performance.now() - started)} ms`;
  } catch (e) {
    if (img.dataset.key !== key) return;
    img.dataset.state = 'error';
    $('projection-caption').textContent = e.message;
  }
}

async function features() {
  const box = $('features-box'), link = $('features-link');
  box.hidden = true; link.hidden = true;
  if (!view.model.features.includes(view.layer)) return;
  try {
    const f = await (await api(`/api/features/${encodeURIComponent(view.layer)}/${view.channel}`)).json();
    $('features-list').replaceChildren(...f.top.map(t => {
      const li = document.createElement('li');
      li.textContent = `${t.image} · ${t.value.toPrecision(4)} at (${t.y}, ${t.x})`;
      return li;
    }));
    box.hidden = f.top.length === 0;
    if (f.grid) { link.href = f.grid; link.hidden = false; link.textContent = `dataset top-${f.top.length} grid (${view.layer})`; }
  } catch (e) { /* no results for this channel: nothing to link */ }
}

function hoverValue(event) {
  const img = $('channel-img');
  if (!channelValues) return;
  const rect = img.getBoundingClientRect();
  const x = Math.floor((event.clientX - rect.left) / rect.width * channelValues.w);
  const y = Math.floor((event.clientY - rect.top) / rect.height * channelValues.h);
  if (x < 0 || y < 0 || x >= channelValues.w || y >= channelValues.h) return;
  $('value-readout').textContent = `(${x}, ${y}) = ${channelValues.data[y * channelValues.w + x].toPrecision(5)}`;
}

// ---- occlusion -------------------------------------------------------------------------------------------------

async function runOcclusion() {
  if (!view.image) return;
  const p = new URLSearchParams({ layer: $('occ-layer').value, patch: $('occ-patch').value, stride: $('occ-stride').value });
  if (view.model.hasTop && $('occ-class').value !== '') p.set('class', $('occ-class').value);
  const job = await (await api(`${imageUrl('occlusion')}?${p}`, { method: 'POST' })).json();
  view.job = job.id;
  $('occ-run').disabled = true; $('occ-cancel').disabled = false;
  $('occ-map').hidden = true; $('occ-prob').hidden = true;
  const progress = $('occ-progress');
  progress.max = job.total; progress.value = 0;
  $('occ-status').textContent = `occluding: 0 / ${job.total} positions`;
  view.source?.close();
  const source = new EventSource(`/api/jobs/${job.id}/events`);
  view.source = source;
  const finish = () => { source.close(); if (view.source === source) view.source = null; $('occ-run').disabled = false; $('occ-cancel').disabled = true; };
  source.addEventListener('progress', e => {
    const s = JSON.parse(e.data);
    progress.max = s.total; progress.value = s.done;
    $('occ-status').textContent = `occluding: ${s.done} / ${s.total} positions`;
  });
  source.addEventListener('done', e => {
    const s = JSON.parse(e.data);
    finish();
    progress.value = progress.max;
    $('occ-status').textContent = `done: ${s.rows}×${s.cols} positions, patch ${s.patch}, stride ${s.stride}`;
    $('occ-map').src = `/api/jobs/${s.id}/activation.png`; $('occ-map').hidden = false;
    $('occ-map-caption').textContent = `${s.layer}: total activation of map ${s.strongestChannel} (the strongest) with the patch at each position`;
    $('occ-overlay').src = `/api/jobs/${s.id}/activation.png`; $('occ-overlay').hidden = false;
    if (s.classIndex !== null && s.classIndex !== undefined) {
      $('occ-prob').src = `/api/jobs/${s.id}/probability.png`; $('occ-prob').hidden = false;
      $('occ-prob-caption').textContent = `p(${s.classLabel}) with the patch at each position`;
    }
  });
  source.addEventListener('cancelled', () => { finish(); $('occ-status').textContent = 'cancelled'; });
  source.addEventListener('failed', e => { finish(); $('occ-status').textContent = 'failed: ' + (JSON.parse(e.data).error || ''); });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) finish(); };
}

async function cancelOcclusion() {
  if (!view.job) return;
  $('occ-cancel').disabled = true;
  await api(`/api/jobs/${view.job}`, { method: 'DELETE' });
}

// ---- animations ------------------------------------------------------------------------------------------------

async function showAnimation(which) {
  const img = $(`${which}-img`);
  say(`rendering the ${which}…`, true);
  await loadInto(img, imageUrl(`${which}.gif`));
  img.hidden = false;
  say('', true);
}

// ---- live camera: frames sent as fast as the server answers them ----------------------------------------------

async function toggleCamera() {
  if (view.camera) { stopCamera(); return; }
  if (!navigator.mediaDevices?.getUserMedia) { say('this browser gives no camera here (it needs localhost or https)'); return; }
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }); }
  catch (e) { say(`camera: ${e.message}`); return; }
  const video = $('camera-video');
  video.srcObject = stream; video.hidden = false; $('input-img').hidden = true;
  view.camera = { stream, layer: view.layer || view.model.layers[0].name, layout: null, frames: 0, since: performance.now() };
  if (!view.layer) view.layer = view.camera.layer;
  $('camera-toggle').textContent = 'Stop camera';
  $('grid-panel').hidden = false;
  for (const b of $('layers').children) { b.disabled = false; b.setAttribute('aria-selected', String(b.dataset.layer === view.layer)); }
  cameraLoop(view.camera);
}

function stopCamera() {
  const camera = view.camera;
  if (!camera) return;
  view.camera = null;
  camera.stream.getTracks().forEach(t => t.stop());
  $('camera-video').hidden = true; $('input-img').hidden = false;
  $('camera-toggle').textContent = 'Camera';
  $('camera-fps').textContent = '';
  if (view.image && view.layer) selectLayer(view.layer).catch(fail);
}

async function cameraLoop(camera) {
  const video = $('camera-video'), canvas = $('camera-canvas'), g = canvas.getContext('2d');
  while (view.camera === camera) {
    if (video.readyState < 2) { await new Promise(r => setTimeout(r, 50)); continue; }
    const side = Math.min(video.videoWidth, video.videoHeight);
    g.drawImage(video, (video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side, side, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise(r => canvas.toBlob(r, 'image/png'));
    const layer = view.layer;
    try {
      const frame = await (await api(`/api/frames?layer=${encodeURIComponent(layer)}`, { method: 'POST', body: blob })).json();
      if (view.camera !== camera) break;
      camera.layer = layer; camera.layout = frame.layout;
      $('atlas').src = frame.atlas;
      $('grid-title').textContent = `${layer} · live camera`;
      showTop5(frame.top5);
      camera.frames++;
      const seconds = (performance.now() - camera.since) / 1000;
      $('camera-fps').textContent = `${(camera.frames / seconds).toFixed(1)} frames/s (server ${Math.round(frame.milliseconds)} ms a frame)`;
    } catch (e) {
      if (e instanceof Problem && e.status === 503) await new Promise(r => setTimeout(r, 1000 * Math.max(1, e.retryAfter)));
      else { say(`camera: ${e.message}`); stopCamera(); }
    }
  }
}

// ---- keyboard, drop, paste -------------------------------------------------------------------------------------

function onKey(event) {
  if (event.target.closest('input, select, textarea') || !view.image || !view.layer) return;
  const info = layerInfo(view.layer);
  if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
    const step = event.key === 'ArrowRight' ? 1 : -1;
    const c = view.channel === null ? 0 : (view.channel + step + info.atlas.channels) % info.atlas.channels;
    selectChannel(c).catch(fail);
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    const i = layerIndex(view.layer) + (event.key === 'ArrowDown' ? 1 : -1);
    if (i >= 0 && i < view.model.layers.length) selectLayer(view.model.layers[i].name).catch(fail);
  } else return;
  event.preventDefault();
}

function firstImage(items) {
  for (const item of items || []) {
    const file = item.kind === 'file' ? item.getAsFile() : item;
    if (file && /^image\//.test(file.type)) return file;
  }
  return null;
}

function wire() {
  $('sample').addEventListener('change', e => { if (e.target.value) openSample(e.target.value).catch(fail); });
  $('file').addEventListener('change', e => { const f = e.target.files[0]; if (f) openBytes(f, f.name).catch(fail); e.target.value = ''; });
  $('camera-toggle').addEventListener('click', () => toggleCamera().catch(fail));
  $('atlas').addEventListener('click', e => { const c = channelAt(e); if (c !== null && view.image) selectChannel(c).catch(fail); });
  $('atlas').addEventListener('load', markChannel);
  window.addEventListener('resize', markChannel);
  $('channel-img').addEventListener('mousemove', hoverValue);
  $('mode').addEventListener('change', e => { view.mode = e.target.value; writeHash(); if (view.channel !== null) project(); });
  $('occ-run').addEventListener('click', () => runOcclusion().catch(e => { fail(e); $('occ-run').disabled = false; }));
  $('occ-cancel').addEventListener('click', () => cancelOcclusion().catch(fail));
  $('journey-button').addEventListener('click', () => showAnimation('journey').catch(fail));
  $('zoom-button').addEventListener('click', () => showAnimation('zoom').catch(fail));
  document.addEventListener('keydown', onKey);
  document.addEventListener('dragover', e => e.preventDefault());
  document.addEventListener('drop', e => {
    e.preventDefault();
    const f = firstImage(e.dataTransfer.files);
    if (f) openBytes(f, f.name).catch(fail); else say('drop a PNG or JPEG file');
  });
  document.addEventListener('paste', e => {
    const f = firstImage(e.clipboardData?.items);
    if (f) { e.preventDefault(); openBytes(f, f.name || 'pasted image').catch(fail); }
  });
  window.addEventListener('hashchange', () => readHash().catch(fail));
}

wire();
loadModel().then(readHash).catch(fail);
