/**
 * `/`: sign in, then the live inbox. Tabs: "All", one per category (each
 * with its unread badge, from the server's `counts`), and "Archived". The
 * list of the open tab is its REST first page merged with live frames,
 * newest first, one row per id: `notification` (a `replaces` id leaves the
 * list), `notification.read` / `notification.state` (read, seen, archived
 * from any device), `notification.deleted`. Unseen rows are marked, then
 * marked seen once shown. Badges show the server's `counts` frames (exact,
 * read from the database), re-read over REST after each change of this tab.
 */
import { compareIds, HttpError } from './herald-client.js';
import { applyState, relativeTime, renderRow } from './inbox-view.js';
import { element, notify, startPage } from './page.js';
import { showSignIn } from './sign-in.js';

const PAGE_SIZE = 20;
/** Coalesces REST count reads after bursts of local changes, in ms. */
const COUNT_REFRESH_MS = 200;
/** How long an unseen row stays marked before it is marked seen, in ms. */
const SEEN_AFTER_MS = 1_500;

const client = startPage({ onSignedOut: showSignIn });
if (client) showInbox(client);
else showSignIn();

function showInbox(client) {
  const feed = document.getElementById('feed');
  const empty = document.getElementById('empty');
  const loadMore = document.getElementById('load-more');
  const badge = document.getElementById('unread');
  const tabs = document.getElementById('tabs');
  /** id -> {item, row} for every notification on screen. */
  const rows = new Map();
  /** `all`, `archived`, or a category. */
  let tab = 'all';
  /** The `before` cursor for "load more": undefined until the first page arrived, null at the end. */
  let olderCursor;
  let counts = { unread: 0, unseen: 0, byCategory: {} };
  let countTimer = null;
  let countRequest = 0;
  let seenTimer = null;
  /** Bumped on every tab switch, so a page that arrives for an old tab is dropped. */
  let generation = 0;

  document.getElementById('inbox').hidden = false;

  const failed = (error) => {
    if (error instanceof HttpError && error.status === 401) return; // the client signed out already
    notify(error instanceof HttpError ? `The server said ${error.message}` : `Network error: ${error.message}`);
  };

  const setBadge = (node, count) => {
    node.textContent = count > 999 ? '999+' : String(count);
    node.dataset.count = String(count);
  };

  function showCounts(next) {
    counts = next;
    setBadge(badge, counts.unread);
    document.title = counts.unread > 0 ? `(${counts.unread}) Inbox · Herald` : 'Inbox · Herald';
    renderTabs();
  }

  /** The tab bar: All, the categories with unread or on screen, the open one, Archived. */
  function renderTabs() {
    const categories = new Set(Object.keys(counts.byCategory));
    for (const { item } of rows.values()) categories.add(item.category || 'general');
    if (tab !== 'all' && tab !== 'archived') categories.add(tab);
    const entries = [
      ['all', 'All', counts.unread],
      ...[...categories].sort().map((c) => [c, c, counts.byCategory[c]?.unread ?? 0]),
      ['archived', 'Archived', null],
    ];
    tabs.replaceChildren(
      ...entries.map(([key, label, unread]) => {
        const button = element('button', null, 'tab');
        button.type = 'button';
        button.setAttribute('role', 'tab');
        button.dataset.tab = key;
        button.setAttribute('aria-selected', String(key === tab));
        button.append(element('span', label, 'tab-label'));
        if (unread !== null) {
          const count = element('span', null, 'badge tab-badge');
          setBadge(count, unread);
          button.append(count);
        }
        button.addEventListener('click', () => openTab(key));
        return button;
      }),
    );
  }

  /** Re-reads the counts shortly; only the latest request's answer is applied. */
  function refreshCounts() {
    clearTimeout(countTimer);
    countTimer = setTimeout(async () => {
      const request = ++countRequest;
      try {
        const next = await client.api('GET', '/notifications/counts');
        if (request === countRequest) showCounts(next);
      } catch (error) {
        failed(error);
      }
    }, COUNT_REFRESH_MS);
  }

  /** Whether `item` belongs in the open tab. */
  const belongs = (item) => (tab === 'archived' ? Boolean(item.archivedAt) : !item.archivedAt && (tab === 'all' || (item.category || 'general') === tab));

  function remove(id) {
    const entry = rows.get(id);
    if (!entry) return;
    entry.row.remove();
    rows.delete(id);
    empty.hidden = rows.size > 0;
  }

  /** Adds `item` in id order, or updates the row already there; true when added. */
  function upsert(item, fresh = false) {
    const known = rows.get(item.id);
    if (known) {
      Object.assign(known.item, item);
      applyState(known.row, known.item);
      return false;
    }
    if (!belongs(item)) return false;
    const entry = { item: { ...item } };
    entry.row = renderRow(entry.item, handlers(entry));
    if (fresh) entry.row.classList.add('fresh');
    let before = feed.firstElementChild;
    while (before && compareIds(before.dataset.id, item.id) > 0) before = before.nextElementSibling;
    feed.insertBefore(entry.row, before);
    rows.set(item.id, entry);
    empty.hidden = true;
    scheduleSeen();
    return true;
  }

  /** Applies a state change (from this tab or a frame) to a row on screen. */
  function change(id, patch) {
    const entry = rows.get(id);
    if (!entry) return;
    Object.assign(entry.item, patch);
    if (!belongs(entry.item)) remove(id);
    else applyState(entry.row, entry.item);
  }

  function handlers(entry) {
    const id = entry.item.id;
    const act = async (method, path, patch) => {
      try {
        await client.api(method, path);
        if (patch === null) remove(id);
        else change(id, patch);
        refreshCounts();
      } catch (error) {
        failed(error);
      }
    };
    const now = () => new Date().toISOString();
    const path = `/notifications/${encodeURIComponent(id)}`;
    return {
      read: () => act('POST', `${path}/read`, { readAt: now(), seenAt: entry.item.seenAt || now() }),
      unread: () => act('POST', `${path}/unread`, { readAt: null }),
      archive: () => act('POST', `${path}/archive`, { archivedAt: now() }),
      unarchive: () => act('POST', `${path}/unarchive`, { archivedAt: null }),
      delete: () => act('DELETE', path, null),
      // Pressing a button is reading the notification; a link then follows its url.
      action: () => {
        if (!entry.item.readAt) void act('POST', `${path}/read`, { readAt: now(), seenAt: entry.item.seenAt || now() });
      },
    };
  }

  /** Marks the unseen rows on screen seen, a moment after they were shown (while the page is visible). */
  function scheduleSeen() {
    if (seenTimer !== null) return;
    seenTimer = setTimeout(async () => {
      seenTimer = null;
      if (document.visibilityState === 'hidden') return;
      const ids = [...rows.values()].filter(({ item }) => !item.seenAt).map(({ item }) => item.id);
      for (let start = 0; start < ids.length; start += 100) {
        const chunk = ids.slice(start, start + 100);
        try {
          await client.api('POST', '/notifications/seen', { ids: chunk });
          const at = new Date().toISOString();
          chunk.forEach((id) => change(id, { seenAt: at }));
        } catch (error) {
          failed(error);
        }
      }
      refreshCounts();
    }, SEEN_AFTER_MS);
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') scheduleSeen();
  });

  async function loadPage(before) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (before) query.set('before', before);
    if (tab === 'archived') query.set('archived', 'true');
    else if (tab !== 'all') query.set('category', tab);
    const asked = generation;
    const page = await client.api('GET', `/notifications?${query}`);
    if (asked !== generation) return null;
    client.noteNotifications(page.items);
    page.items.forEach((item) => upsert(item));
    return page;
  }

  /** Merges the newest page of the open tab (on load, on a tab switch and after every (re)connect). */
  async function loadFirstPage() {
    try {
      const page = await loadPage();
      if (page) {
        if (olderCursor === undefined) olderCursor = page.nextCursor;
        loadMore.hidden = !olderCursor;
        empty.hidden = rows.size > 0;
      }
    } catch (error) {
      failed(error);
    }
    refreshCounts();
  }

  function openTab(key) {
    if (key === tab) return;
    tab = key;
    generation++;
    rows.clear();
    feed.replaceChildren();
    olderCursor = undefined;
    loadMore.hidden = true;
    document.getElementById('archive-read').hidden = tab === 'archived';
    renderTabs();
    void loadFirstPage();
  }

  loadMore.addEventListener('click', async () => {
    loadMore.disabled = true;
    try {
      const page = await loadPage(olderCursor);
      if (page) {
        olderCursor = page.nextCursor;
        loadMore.hidden = !olderCursor;
      }
    } catch (error) {
      failed(error);
    } finally {
      loadMore.disabled = false;
    }
  });

  const bulk = (button, path, apply) =>
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await client.api('POST', path);
        const now = new Date().toISOString();
        [...rows.values()].forEach((entry) => apply(entry, now));
        refreshCounts();
      } catch (error) {
        failed(error);
      } finally {
        button.disabled = false;
      }
    });
  bulk(document.getElementById('read-all'), '/notifications/read-all', (entry, now) => {
    if (!entry.item.readAt) change(entry.item.id, { readAt: now, seenAt: entry.item.seenAt || now });
  });
  bulk(document.getElementById('archive-read'), '/notifications/archive-read', (entry, now) => {
    if (entry.item.readAt) change(entry.item.id, { archivedAt: now });
  });

  // Relative times move on.
  setInterval(() => {
    for (const { item, row } of rows.values()) row.querySelector('time').textContent = relativeTime(item.createdAt);
  }, 30_000);

  client.on('ready', () => loadFirstPage());
  client.on('notification', (item) => {
    if (item.replaces) remove(item.replaces);
    upsert(item, true);
  });
  client.on('notification.read', (data) => {
    const now = new Date().toISOString();
    const read = (entry) => !entry.item.readAt && change(entry.item.id, { readAt: now, seenAt: entry.item.seenAt || now });
    if (data && data.all === true) [...rows.values()].forEach(read);
    else if (data && Array.isArray(data.ids)) data.ids.filter((id) => rows.has(id)).forEach((id) => read(rows.get(id)));
  });
  client.on('notification.state', (data) => {
    if (!data) return;
    const now = new Date().toISOString();
    const targets = data.all === true ? [...rows.keys()] : Array.isArray(data.ids) ? data.ids : [];
    for (const id of targets) {
      const entry = rows.get(id);
      if (!entry) continue;
      const patch = {};
      if (data.read === true && !entry.item.readAt) Object.assign(patch, { readAt: now, seenAt: entry.item.seenAt || now });
      if (data.read === false) patch.readAt = null;
      if (data.seen === true && !entry.item.seenAt) patch.seenAt = now;
      if (data.archived === true && !entry.item.archivedAt) patch.archivedAt = now;
      if (data.archived === false) patch.archivedAt = null;
      change(id, patch);
    }
    // Unarchived elsewhere while this tab lists the feed: the row comes back with the next page read.
    if (data.archived === false && tab !== 'archived') void loadFirstPage();
  });
  client.on('notification.deleted', (data) => {
    if (data && Array.isArray(data.ids)) data.ids.forEach(remove);
  });
  client.on('counts', (data) => {
    if (data && typeof data.unread === 'number') showCounts(data);
  });
  // Too much was missed to replay: start the list over from REST.
  client.on('resync', () => {
    rows.clear();
    feed.replaceChildren();
    olderCursor = undefined;
    loadFirstPage();
  });

  renderTabs();
  loadFirstPage();
  client.connect();
}
