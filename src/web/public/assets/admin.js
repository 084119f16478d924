/**
 * `/admin/`: compose a broadcast (`POST /notifications/broadcast`) or a
 * targeted notification (`POST /notifications`). Shown only to tokens
 * whose `roles` claim has `admin`; the server checks the role again and
 * its refusals are shown as they come.
 */
import { HttpError } from './herald-client.js';
import { element, signInHref, startPage } from './page.js';

const client = startPage({ onSignedOut: () => (document.getElementById('admin-forms').hidden = true) });
const gate = document.getElementById('admins-only');

if (!client) {
  gate.replaceChildren('Admins only. ', link('Sign in', signInHref()), ' with a token that has the admin role.');
  gate.hidden = false;
} else if (!client.hasRole('admin')) {
  gate.replaceChildren(`Admins only: ${client.user} has no admin role. `, link('Sign in as someone else', signInHref()), '.');
  gate.hidden = false;
  client.connect();
} else {
  document.getElementById('admin-forms').hidden = false;
  wire(document.getElementById('broadcast-form'), '/notifications/broadcast', (content) => content);
  wire(
    document.getElementById('targeted-form'),
    '/notifications',
    (content, field) => ({
      recipients: field('recipients')
        .split(/[\s,]+/)
        .filter(Boolean),
      ...content,
    }),
    { idempotent: true },
  );
  client.connect();
}

function link(text, href) {
  const anchor = element('a', text);
  anchor.href = href;
  return anchor;
}

/**
 * Submits `form` to `path` with the body `toBody(content, field)`. With
 * `idempotent`, one Idempotency-Key per composed message: resubmitting the
 * same unchanged form after a failure cannot store it twice.
 */
function wire(form, path, toBody, { idempotent = false } = {}) {
  const result = form.querySelector('.result');
  const button = form.querySelector('button[type=submit]');
  let key = null;
  form.addEventListener('input', () => (key = null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const show = (text, kind) => {
      result.textContent = text;
      result.dataset.kind = kind;
      result.hidden = false;
    };
    const field = (name) => form.elements.namedItem(name).value.trim();
    const content = { type: field('type') };
    if (field('actor')) content.actor = field('actor');
    if (field('payload')) {
      try {
        content.payload = JSON.parse(field('payload'));
      } catch (error) {
        return show(`The payload is not valid JSON: ${error.message}`, 'error');
      }
    }
    key ??= randomKey();
    button.disabled = true;
    try {
      const reply = await client.api('POST', path, toBody(content, field), idempotent ? { 'Idempotency-Key': key } : {});
      key = null;
      show(reply.ids ? `Sent ${reply.ids.length} notification(s): id ${reply.ids.join(', ')}` : `Sent broadcast ${reply.id}`, 'ok');
    } catch (error) {
      show(error instanceof HttpError ? `Refused: ${error.message}` : `Network error: ${error.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });
}

/** 128 random bits as hex (crypto.randomUUID needs a secure context; this works over plain http too). */
function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
