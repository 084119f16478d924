/**
 * `/`: sign in, then the live inbox. The feed is the REST first page
 * merged with live `notification` frames, newest first, one row per id;
 * read state only ever moves from unread to read, whichever of REST, a
 * click or `notification.read` (another tab or device) says so first. The
 * badge is the server's unread count, bumped locally at once and then
 * re-read after every change so it cannot drift.
 */
import { compareIds, HttpError } from './herald-client.js';
import { element, notify, shortTime, startPage } from './page.js';
import { showSignIn } from './sign-in.js';

const PAGE_SIZE = 20;
/** Coalesces unread-count reads after bursts of events, in ms. */
const COUNT_REFRESH_MS = 200;

const client = startPage({ onSignedOut: showSignIn });
if (client) showInbox(client);
else showSignIn();

function showInbox(client) {
  const feed = document.getElementById('feed');
  const empty = document.getElementById('empty');
  const loadMore = document.getElementById('load-more');
  const badge = document.getElementById('unread');
  /** id -> {item, row} for every notification on screen. */
  const rows = new Map();
  /** The `before` cursor for "load more": undefined until the first page arrived, null at the end. */
  let olderCursor;
  let unread = 0;
  let countTimer = null;
  let countRequest = 0;

  document.getElementById('inbox').hidden = false;

  const failed = (error) => {
    if (error instanceof HttpError && error.status === 401) return; // the client signed out already
    notify(error instanceof HttpError ? `The server said ${error.message}` : `Network error: ${error.message}`);
  };

  function setUnread(count) {
    unread = Math.max(0, count);
    badge.textContent = unread > 999 ? '999+' : String(unread);
    badge.dataset.count = String(unread);
    document.title = unread > 0 ? `(${unread}) Inbox · Herald` : 'Inbox · Herald';
  }

  /** Re-reads the unread count shortly; only the latest request's answer is applied. */
  function refreshCount() {
    clearTimeout(countTimer);
    countTimer = setTimeout(async () => {
      const request = ++countRequest;
      try {
        const { count } = await client.api('GET', '/notifications/unread-count');
        if (request === countRequest) setUnread(count);
      } catch (error) {
        failed(error);
      }
    }, COUNT_REFRESH_MS);
  }

  function markRowRead(entry, readAt) {
    if (entry.item.readAt) return false;
    entry.item.readAt = readAt;
    entry.row.classList.remove('unread');
    entry.row.dataset.read = 'true';
    entry.row.querySelector('.mark-read').hidden = true;
    return true;
  }

  /** Adds `item` in id order, or applies its read state to the row already there; true when added. */
  function upsert(item, fresh = false) {
    const known = rows.get(item.id);
    if (known) {
      if (item.readAt) markRowRead(known, item.readAt);
      return false;
    }
    const row = renderRow(item);
    if (fresh) row.classList.add('fresh');
    let before = feed.firstElementChild;
    while (before && compareIds(before.dataset.id, item.id) > 0) before = before.nextElementSibling;
    feed.insertBefore(row, before);
    rows.set(item.id, { item: { ...item }, row });
    empty.hidden = true;
    return true;
  }

  function renderRow(item) {
    const row = element('li', null, item.readAt ? 'note' : 'note unread');
    row.dataset.id = item.id;
    row.dataset.read = item.readAt ? 'true' : 'false';
    const body = element('div', null, 'note-body');
    const title = element('p', null, 'note-title');
    title.append(element('strong', item.type));
    if (item.actor) title.append(' ', element('span', `from ${item.actor}`, 'muted'));
    body.append(title);
    const summary = summarize(item.payload);
    if (summary) body.append(element('p', summary.text, summary.json ? 'note-text json' : 'note-text'));
    const time = element('time', shortTime(item.createdAt));
    time.dateTime = item.createdAt;
    time.title = new Date(item.createdAt).toLocaleString();
    body.append(time);
    const button = element('button', 'Mark read', 'mark-read secondary');
    button.type = 'button';
    button.hidden = Boolean(item.readAt);
    button.addEventListener('click', () => markRead(item.id, button));
    row.append(body, button);
    return row;
  }

  async function loadPage(before) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (before) query.set('before', before);
    const page = await client.api('GET', `/notifications?${query}`);
    client.noteNotifications(page.items);
    page.items.forEach((item) => upsert(item));
    return page;
  }

  /** Merges the newest page (on load and after every (re)connect: it covers what the socket missed). */
  async function loadFirstPage() {
    try {
      const page = await loadPage();
      if (olderCursor === undefined) olderCursor = page.nextCursor;
      loadMore.hidden = !olderCursor;
      empty.hidden = rows.size > 0;
    } catch (error) {
      failed(error);
    }
    refreshCount();
  }

  async function markRead(id, button) {
    button.disabled = true;
    try {
      await client.api('POST', `/notifications/${encodeURIComponent(id)}/read`);
      if (markRowRead(rows.get(id), new Date().toISOString())) setUnread(unread - 1);
      refreshCount();
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  loadMore.addEventListener('click', async () => {
    loadMore.disabled = true;
    try {
      const page = await loadPage(olderCursor);
      olderCursor = page.nextCursor;
      loadMore.hidden = !olderCursor;
    } catch (error) {
      failed(error);
    } finally {
      loadMore.disabled = false;
    }
  });

  document.getElementById('read-all').addEventListener('click', async (event) => {
    event.target.disabled = true;
    try {
      await client.api('POST', '/notifications/read-all');
      const now = new Date().toISOString();
      rows.forEach((entry) => markRowRead(entry, now));
      setUnread(0);
      refreshCount();
    } catch (error) {
      failed(error);
    } finally {
      event.target.disabled = false;
    }
  });

  client.on('ready', () => loadFirstPage());
  client.on('notification', (item) => {
    if (upsert(item, true) && !item.readAt) setUnread(unread + 1);
    refreshCount();
  });
  client.on('notification.read', (data) => {
    const now = new Date().toISOString();
    if (data && data.all === true) {
      rows.forEach((entry) => markRowRead(entry, now));
      setUnread(0);
    } else if (data && Array.isArray(data.ids)) {
      const changed = data.ids.filter((id) => rows.has(id) && markRowRead(rows.get(id), now)).length;
      setUnread(unread - changed);
    }
    refreshCount();
  });
  // Too much was missed to replay: start the feed over from REST.
  client.on('resync', () => {
    rows.clear();
    feed.replaceChildren();
    olderCursor = undefined;
    loadFirstPage();
  });

  loadFirstPage();
  client.connect();
}

/** One line for a payload: its `text`, `message`, `title` or `body` string, else compact JSON; null for `{}`. */
function summarize(payload) {
  if (!payload || typeof payload !== 'object') return null;
  for (const key of ['text', 'message', 'title', 'body']) {
    if (typeof payload[key] === 'string') return { text: payload[key], json: false };
  }
  const json = JSON.stringify(payload);
  if (json === '{}') return null;
  return { text: json.length > 200 ? `${json.slice(0, 199)}…` : json, json: true };
}
