/**
 * `/chat/<room>/`: joins the room over the socket after every `ready`
 * (rooms belong to a socket, so a reconnect joins again), shows the
 * history and live messages in id order without duplicates, keeps the
 * member list from `room.joined` and `room.presence`, and sends with Enter
 * only while joined.
 */
import { compareIds } from './herald-client.js';
import { element, notify, shortTime, signInHref, startPage } from './page.js';

const room = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const log = document.getElementById('log');
const logEmpty = document.getElementById('log-empty');
const memberList = document.getElementById('members');
const input = document.getElementById('message');
const sendButton = document.querySelector('#send-form button');
const messageIds = new Set();
const members = new Set();
let joined = false;

document.getElementById('room-name').textContent = room;
document.title = `#${room} · Herald`;

const client = startPage({ onSignedOut: showSignedOut });
if (client) enterRoom(client);
else showSignedOut();

function showSignedOut() {
  setJoined(false);
  input.placeholder = 'Sign in to chat';
  document.getElementById('sign-in-link').href = signInHref();
  document.getElementById('signed-out').hidden = false;
}

function setJoined(value) {
  joined = value;
  input.disabled = !value;
  sendButton.disabled = !value;
  input.placeholder = value ? `Message #${room}` : 'Joining…';
  if (value && !document.activeElement?.matches('input, textarea, button, a')) input.focus();
}

function enterRoom(client) {
  client.on('ready', () => client.send('room.join', { room }));
  client.on('state', (state) => {
    if (state !== 'live') setJoined(false);
  });
  client.on('room.joined', (data) => {
    if (data.room !== room) return;
    data.history.forEach(addMessage);
    members.clear();
    data.members.forEach((user) => members.add(user));
    renderMembers();
    logEmpty.hidden = messageIds.size > 0;
    setJoined(true);
  });
  client.on('room.message', (message) => {
    if (message.room === room) addMessage(message);
  });
  client.on('room.presence', ({ room: where, user, state }) => {
    if (where !== room) return;
    if (state === 'joined') members.add(user);
    else members.delete(user);
    renderMembers();
  });
  client.on('error', ({ code, message }) => notify(`${code}: ${message}`));

  document.getElementById('send-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    if (!joined || !text.trim()) return;
    if (client.send('room.send', { room, text })) input.value = '';
  });
  client.connect();

  function addMessage(message) {
    if (messageIds.has(message.id)) return;
    messageIds.add(message.id);
    logEmpty.hidden = true;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const item = element('li', null, message.sender === client.user ? 'message mine' : 'message');
    item.dataset.id = message.id;
    const meta = element('p', null, 'meta');
    const time = element('time', shortTime(message.createdAt));
    time.dateTime = message.createdAt;
    meta.append(element('span', message.sender, 'sender'), ' ', time);
    item.append(meta, element('p', message.text, 'text'));
    let after = log.lastElementChild;
    while (after && compareIds(after.dataset.id, message.id) > 0) after = after.previousElementSibling;
    log.insertBefore(item, after ? after.nextElementSibling : log.firstElementChild);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function renderMembers() {
    const sorted = [...members].sort();
    memberList.replaceChildren(
      ...sorted.map((user) => {
        const item = element('li', user, user === client.user ? 'me' : undefined);
        if (user === client.user) item.append(element('span', ' (you)', 'muted'));
        return item;
      }),
    );
    document.getElementById('member-count').textContent = `(${sorted.length})`;
  }
}
