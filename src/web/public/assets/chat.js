/** `/chat/`: enter a room name or pick a suggested room; both go to `/chat/<room>/`. */
import { notify, startPage } from './page.js';

const ROOM_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

// The picker needs no socket; the header still shows who is signed in.
const client = startPage();
if (client) client.connect();

document.getElementById('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const room = document.getElementById('room-name').value.trim();
  if (!ROOM_NAME.test(room)) return notify('Room names are 1-64 letters, digits, "_", "." or "-".');
  location.assign(`/chat/${room}/`);
});
