/**
 * Rendering of one inbox row, pure DOM: every field is set as text
 * (`textContent`), never as HTML, and a link's `href` is only ever an
 * `http:`/`https:` URL or a path on this site (`safeHref`), so a
 * `javascript:` URL never becomes a link.
 */
import { element } from './page.js';

/** `href` for `url` when it is safe to follow, else null. */
export function safeHref(url) {
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048 || /[\s\p{Cc}]/u.test(url)) return null;
  if (url.startsWith('/')) return url.startsWith('//') || url.startsWith('/\\') ? null : url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** "just now", "3 min ago", "2 h ago", "yesterday", "5 days ago", then the date. */
export function relativeTime(iso, nowMs = Date.now()) {
  const seconds = Math.round((nowMs - Date.parse(iso)) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return new Date(iso).toLocaleDateString([], { month: 'short', day: 'numeric', year: 'numeric' });
}

/** One line for a payload: its `text`, `message`, `title` or `body` string, else compact JSON; null for `{}`. */
export function summarize(payload) {
  if (!payload || typeof payload !== 'object') return null;
  for (const key of ['text', 'message', 'title', 'body']) {
    if (typeof payload[key] === 'string') return { text: payload[key], json: false };
  }
  const json = JSON.stringify(payload);
  if (json === '{}') return null;
  return { text: json.length > 200 ? `${json.slice(0, 199)}…` : json, json: true };
}

/** A small button of a row. */
function control(label, className, onClick) {
  const button = element('button', label, `${className} secondary`);
  button.type = 'button';
  button.addEventListener('click', onClick);
  return button;
}

/**
 * The `<li>` of one notification. `on` has the row's actions:
 * `read`, `unread`, `archive`, `unarchive`, `delete`, `action(action)`.
 */
export function renderRow(item, on) {
  const row = element('li', null, 'note');
  row.dataset.id = item.id;
  row.dataset.severity = item.severity || 'normal';
  row.dataset.category = item.category || 'general';
  const body = element('div', null, 'note-body');
  const head = element('p', null, 'note-title');
  const href = safeHref(item.url);
  const headline = element('strong', item.title || item.type);
  if (href) {
    const link = element('a', null, 'note-link');
    link.href = href;
    link.rel = 'noopener noreferrer';
    link.append(headline);
    head.append(link);
  } else head.append(headline);
  if (item.actor) head.append(' ', element('span', `from ${item.actor}`, 'muted'));
  body.append(head);
  const text = item.body ? { text: item.body, json: false } : summarize(item.payload);
  if (text) body.append(element('p', text.text, text.json ? 'note-text json' : 'note-text'));
  const actions = (Array.isArray(item.actions) ? item.actions : []).slice(0, 2);
  if (actions.length > 0) {
    const bar = element('div', null, 'note-actions');
    for (const action of actions) {
      const target = safeHref(action.url);
      const node = target ? element('a', action.label, 'action') : element('button', action.label, 'action');
      node.dataset.action = action.id;
      if (target) {
        node.href = target;
        node.rel = 'noopener noreferrer';
      } else node.type = 'button';
      node.addEventListener('click', () => on.action(action));
      bar.append(node);
    }
    body.append(bar);
  }
  const meta = element('p', null, 'note-meta');
  const time = element('time', relativeTime(item.createdAt));
  time.dateTime = item.createdAt;
  time.title = new Date(item.createdAt).toLocaleString();
  meta.append(time);
  if (item.severity && item.severity !== 'normal') meta.append(' ', element('span', item.severity, `severity severity-${item.severity}`));
  if (item.category && item.category !== 'general') meta.append(' ', element('span', item.category, 'category'));
  body.append(meta);
  const controls = element('div', null, 'note-controls');
  controls.append(
    control('Mark read', 'mark-read', on.read),
    control('Mark unread', 'mark-unread', on.unread),
    control('Archive', 'archive', on.archive),
    control('Unarchive', 'unarchive', on.unarchive),
    control('Delete', 'delete', on.delete),
  );
  row.append(body, controls);
  applyState(row, item);
  return row;
}

/** Shows the row's read, seen and archived state (classes, data attributes, which controls are offered). */
export function applyState(row, item) {
  const read = Boolean(item.readAt);
  row.classList.toggle('unread', !read);
  row.classList.toggle('unseen', !item.seenAt);
  row.dataset.read = String(read);
  row.dataset.seen = String(Boolean(item.seenAt));
  row.dataset.archived = String(Boolean(item.archivedAt));
  row.querySelector('.mark-read').hidden = read;
  row.querySelector('.mark-unread').hidden = !read;
  row.querySelector('.archive').hidden = Boolean(item.archivedAt);
  row.querySelector('.unarchive').hidden = !item.archivedAt;
}
