/**
 * The chrome every page shares: sign-in from `#access_token=`, the
 * connection state, who is signed in, sign-out and the notice line.
 * Page scripts call `startPage()` and get the signed-in client (or null).
 */
import { adoptTokenFromUrl, HeraldClient, storedToken } from './herald-client.js';

const STATE_LABELS = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  'signed-out': 'signed out',
};

/** Shows a connection state in the header's `#connection` badge. */
export function showState(state) {
  const badge = document.getElementById('connection');
  badge.dataset.state = state;
  badge.textContent = STATE_LABELS[state] ?? state;
}

/** Shows `text` in the page's notice line; `kind` is `error` or `info`; empty text hides it. */
export function notify(text, kind = 'error') {
  const notice = document.getElementById('notice');
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = !text;
}

/** Creates an element with text content (never HTML) and optional class names. */
export function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** A short local time for ISO-8601 `iso`: the time today, else the date and time. */
export function shortTime(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** `59 min`, `45 s`, `2 h 5 min`: how long until `exp` (seconds since the epoch). */
export function expiresIn(exp, nowMs = Date.now()) {
  const seconds = Math.max(0, Math.floor(exp - nowMs / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${Math.floor(seconds / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

/**
 * A token the page cannot renew (pasted, or handed over in `#access_token`)
 * ends the session at its `exp`: the header says when, and is marked
 * `data-soon` once the server sent `auth.expiring`. A dev-token session
 * renews itself and shows nothing.
 */
function showSessionExpiry(client) {
  const badge = document.getElementById('session-expiry');
  if (!badge || client.renewable || client.expiresAt === null) return;
  const update = () => {
    badge.textContent = `session expires in ${expiresIn(client.expiresAt)}`;
  };
  update();
  badge.hidden = false;
  const timer = setInterval(update, 1_000);
  client.on('auth.expiring', () => {
    badge.dataset.soon = 'true';
    update();
  });
  client.on('signed-out', () => {
    clearInterval(timer);
    badge.hidden = true;
  });
}

/**
 * Adopts a token from the URL, wires the header and returns a connected
 * `HeraldClient`, or null when the tab is signed out. `onSignedOut(reason)`
 * runs when the session ends later (expired or refused token).
 */
export function startPage({ onSignedOut } = {}) {
  adoptTokenFromUrl();
  const token = storedToken();
  const who = document.getElementById('who');
  const signOut = document.getElementById('sign-out');
  if (!token) {
    showState('signed-out');
    return null;
  }
  const client = new HeraldClient(token);
  who.textContent = client.user;
  who.hidden = false;
  signOut.hidden = false;
  signOut.addEventListener('click', () => {
    client.signOut();
    location.assign('/');
  });
  showState(client.state);
  client.on('state', showState);
  showSessionExpiry(client);
  client.on('renewal-failed', ({ reason }) => notify(`Could not renew the session, it ends when the token expires: ${reason}`));
  client.on('signed-out', ({ reason }) => {
    who.hidden = true;
    signOut.hidden = true;
    notify(`Signed out: ${reason}. Sign in again to continue.`);
    if (onSignedOut) onSignedOut(reason);
  });
  addEventListener('pagehide', () => client.stop());
  // A page restored from the back-forward cache has a stopped socket: start over.
  addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
  return client;
}

/** A link to the inbox's sign-in that comes back to this page afterwards. */
export function signInHref() {
  return `/?next=${encodeURIComponent(location.pathname)}`;
}
