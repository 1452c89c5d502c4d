// The loopback ceremony page: fetches the WebAuthn options from the bg command that served it, runs
// navigator.credentials.create/get when the user presses Start, posts the credential back once and
// shows the outcome the command reports. Plain JavaScript, no libraries, nothing from the network.
'use strict';

(function () {
  const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
  const $ = (id) => document.getElementById(id);

  function fromB64u(s) {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64u(buf) {
    const bytes = new Uint8Array(buf);
    let bin = '';
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function decodeDescriptors(list) {
    return (list || []).map((d) => Object.assign({}, d, { id: fromB64u(d.id) }));
  }

  function creationOptions(pk) {
    const o = Object.assign({}, pk);
    o.challenge = fromB64u(pk.challenge);
    o.user = Object.assign({}, pk.user, { id: fromB64u(pk.user.id) });
    o.excludeCredentials = decodeDescriptors(pk.excludeCredentials);
    return o;
  }

  function requestOptions(pk) {
    const o = Object.assign({}, pk);
    o.challenge = fromB64u(pk.challenge);
    o.allowCredentials = decodeDescriptors(pk.allowCredentials);
    return o;
  }

  function encode(cred) {
    const r = cred.response;
    const response = { clientDataJSON: toB64u(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64u(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64u(r.authenticatorData);
      response.signature = toB64u(r.signature);
      if (r.userHandle) response.userHandle = toB64u(r.userHandle);
    }
    const out = {
      type: cred.type,
      id: cred.id,
      rawId: toB64u(cred.rawId),
      response: response,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    return out;
  }

  function show(outcome, message) {
    const el = $('result');
    el.textContent = (outcome === 'ok' ? 'Done. ' : 'Failed. ') + message;
    el.dataset.outcome = outcome;
  }

  async function post(path, body) {
    const r = await fetch(base + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
    return r.json();
  }

  async function run(c) {
    $('start').disabled = true;
    $('result').textContent = 'Touch your security key…';
    let cred;
    try {
      cred = c.kind === 'create'
        ? await navigator.credentials.create({ publicKey: creationOptions(c.options.publicKey) })
        : await navigator.credentials.get({ publicKey: requestOptions(c.options.publicKey) });
    } catch (e) {
      const o = await post('error', { name: String(e && e.name), message: String(e && e.message) })
        .catch(() => ({ outcome: 'failed', message: String(e && e.name) + ': ' + String(e && e.message) }));
      show(o.outcome, o.message);
      return;
    }
    $('result').textContent = 'Checking…';
    try {
      const o = await post('response', encode(cred));
      show(o.outcome, o.message);
    } catch (e) {
      show('failed', 'the bg command did not answer: see the terminal');
    }
  }

  // A failed poll must reach the page too, not end as an unhandled rejection of a timer's promise.
  const notAnswering = () => show('failed', 'the bg command is not answering: run it again');

  async function load() {
    const r = await fetch(base + 'options', { cache: 'no-store' });
    const c = await r.json();
    $('title').textContent = c.title;
    $('instructions').textContent = c.instructions;
    if (c.kind === 'wait') {
      setTimeout(() => load().catch(notAnswering), 300);
      return;
    }
    if (!window.PublicKeyCredential) {
      show('failed', 'this browser does not support security keys (WebAuthn); use a current Chrome, Edge, Firefox or Safari');
      return;
    }
    $('start').disabled = false;
    $('start').addEventListener('click', () => run(c), { once: true });
  }

  load().catch(notAnswering);
})();
