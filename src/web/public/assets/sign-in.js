/**
 * The inbox's sign-in: the dev-token form (when the server serves
 * `POST /auth/dev-token`) and "paste a token". Signing in stores the token
 * for the tab and goes to `?next=` (a path on this site) or the inbox.
 */
import { callApi, HttpError, readClaims, storeToken } from './herald-client.js';
import { notify } from './page.js';

let signInWired = false;

/** Shows the sign-in forms in place of the inbox (also after the session ended). */
export function showSignIn() {
  document.getElementById('inbox').hidden = true;
  document.getElementById('feed').replaceChildren();
  document.getElementById('sign-in').hidden = false;
  if (signInWired) return;
  signInWired = true;
  offerDevTokens();
  document.getElementById('paste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = new FormData(event.target).get('token').trim();
    const claims = readClaims(token);
    if (!claims) return notify('That is not an access token (a JWT with a sub claim).');
    if (claims.exp !== null && claims.exp * 1000 <= Date.now()) return notify('That token has expired.');
    signIn(token);
  });
}

/** Shows the dev-token form when `POST /auth/dev-token` is served (it answers 404 when disabled). */
async function offerDevTokens() {
  const form = document.getElementById('dev-token-form');
  const section = document.getElementById('sign-in');
  try {
    // The only black-box test: mint a throwaway one-second token.
    await callApi('POST', '/auth/dev-token', { body: { sub: 'herald-web-probe', ttl: 1 } });
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) {
      section.dataset.devTokens = 'off';
      return;
    }
  }
  section.dataset.devTokens = 'on';
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const roles = data.getAll('roles');
      const sub = data.get('sub').trim();
      const { token } = await callApi('POST', '/auth/dev-token', { body: { sub, roles } });
      // A dev token can be minted again: the client renews it before it expires.
      signIn(token, { sub, roles });
    } catch (error) {
      notify(`Could not get a token: ${error.message}`);
      button.disabled = false;
    }
  });
}

function signIn(token, renewal = null) {
  storeToken(token, renewal);
  const next = new URLSearchParams(location.search).get('next');
  // Only a path on this site: `/x`, never `//host` or `/\host`.
  location.replace(next && /^\/(?![/\\])/.test(next) ? next : '/');
}
