/**
 * `/preferences/`: one switch per category (`GET /preferences`); flipping
 * it sends `PUT /preferences/categories/:category {muted}` at once.
 * Category names are rendered as text.
 */
import { HttpError } from './herald-client.js';
import { element, notify, startPage } from './page.js';
import { showSignIn } from './sign-in.js';

const client = startPage({ onSignedOut: showSignIn });
if (client) void showPreferences(client);
else showSignIn();

async function showPreferences(client) {
  const list = document.getElementById('categories');
  document.getElementById('preferences').hidden = false;
  const failed = (error) => {
    if (error instanceof HttpError && error.status === 401) return;
    notify(error instanceof HttpError ? `The server said ${error.message}` : `Network error: ${error.message}`);
  };
  client.connect();
  let categories;
  try {
    ({ categories } = await client.api('GET', '/preferences'));
  } catch (error) {
    failed(error);
    return;
  }
  list.replaceChildren(
    ...Object.keys(categories)
      .sort()
      .map((category) => {
        const item = element('li', null, 'category-pref');
        item.dataset.category = category;
        const label = element('label');
        const box = element('input');
        box.type = 'checkbox';
        box.name = 'muted';
        box.checked = categories[category].muted;
        box.addEventListener('change', async () => {
          box.disabled = true;
          try {
            await client.api('PUT', `/preferences/categories/${encodeURIComponent(category)}`, { muted: box.checked });
            item.dataset.saved = String(box.checked);
          } catch (error) {
            box.checked = !box.checked;
            failed(error);
          } finally {
            box.disabled = false;
          }
        });
        label.append(box, ' Mute ', element('strong', category));
        item.append(label);
        return item;
      }),
  );
}
