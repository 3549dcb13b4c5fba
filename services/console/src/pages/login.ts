import { html } from '../html.js';
import { layout } from './layout.js';

export function loginPage(problem?: string, next = '/') {
  return layout(
    'Log in',
    undefined,
    html`${problem ? html`<p class="notice bad" id="login-problem">${problem}</p>` : ''}
<form method="post" action="/login" class="login">
  <input type="hidden" name="next" value="${next}">
  <label>User <input name="user" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>`,
  );
}
