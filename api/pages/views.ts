/** The sign-in pages' bodies. Each takes what it shows; layout() wraps it (api/pages/html.ts). */
import { html, layout, type Html } from './html.ts';
import { MIN_PASSWORD_LENGTH } from '../users/password.ts';

function alert(message: string | undefined, kind: 'bad' | 'ok' = 'bad'): Html | '' {
  return message
    ? html`<div class="alert ${kind}" role="${kind === 'bad' ? 'alert' : 'status'}">
        ${message}
      </div>`
    : '';
}

const passwordFields = (autocomplete: string) =>
  html` <label for="password"
      >New password
      <span class="hint"
        >At least ${MIN_PASSWORD_LENGTH} characters; a few words you will remember are best.</span
      >
    </label>
    <input
      id="password"
      name="password"
      type="password"
      autocomplete="${autocomplete}"
      minlength="${MIN_PASSWORD_LENGTH}"
      required
    />`;

export function loginPage(o: {
  error?: string;
  next?: string;
  email?: string;
  notice?: string;
}): string {
  return layout({
    title: 'Sign in',
    body: html`<section class="card narrow" aria-labelledby="title">
      <h1 id="title">Sign in</h1>
      ${alert(o.error)}${alert(o.notice, 'ok')}
      <form method="post" action="/login">
        <input type="hidden" name="next" value="${o.next ?? ''}" />
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username"
          value="${o.email ?? ''}"
          required
          ${o.email ? '' : html`autofocus`}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          ${o.email ? html`autofocus` : ''}
        />
        <div class="actions"><button type="submit">Sign in</button></div>
      </form>
      <p class="muted">
        No account yet, or forgot your password? Ask an admin for a link to set one.
      </p>
      <p class="muted small">
        Admins make links with <code>salesops users create</code> or
        <code>salesops users reset-password</code>.
      </p>
    </section>`,
  });
}

export function setPasswordPage(o: {
  token: string;
  name?: string;
  needsEmail: boolean;
  error?: string;
  invalid?: boolean;
}): string {
  const body = o.invalid
    ? html`<section class="card narrow" aria-labelledby="title">
        <h1 id="title">This link does not work</h1>
        <p>
          It was used already or has expired (links work for 24 hours, once). Ask an admin for a new
          one (<code>salesops users reset-password</code>), or <a href="/login">sign in</a> if you
          have a password.
        </p>
      </section>`
    : html`<section class="card narrow" aria-labelledby="title">
        <h1 id="title">Choose your password</h1>
        ${o.name ? html`<p class="muted">For ${o.name}.</p>` : ''} ${alert(o.error)}
        <form method="post" action="/set-password">
          <input type="hidden" name="token" value="${o.token}" />
          ${o.needsEmail ? html`<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required />` : ''}
          ${passwordFields('new-password')}
          <div class="actions"><button type="submit">Set password and sign in</button></div>
        </form>
      </section>`;
  return layout({ title: 'Choose your password', body });
}

export function accountPage(o: {
  user: { name: string; role: string; email: string | null };
  csrfToken: string;
  needsEmail: boolean;
  needsCurrent: boolean;
  error?: string;
  done?: boolean;
}): string {
  return layout({
    title: 'Your account',
    user: o.user,
    csrfToken: o.csrfToken,
    body: html`<section class="card narrow" aria-labelledby="title">
      <h1 id="title">${o.needsEmail ? 'Set your email and password' : 'Change your password'}</h1>
      ${o.needsEmail ? html`<p>You signed in with the one-time link. Set the email and password you will sign in with from now on.</p>` : ''}
      ${alert(o.error)}${o.done ? alert('Your password is set.', 'ok') : ''}
      <form method="post" action="/account/password">
        <input type="hidden" name="_csrf" value="${o.csrfToken}" />
        ${o.needsEmail ? html`<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required />` : ''}
        ${o.needsCurrent ? html`<label for="currentPassword">Current password</label><input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password" required />` : ''}
        ${passwordFields('new-password')}
        <div class="actions"><button type="submit">Save</button></div>
      </form>
    </section>`,
  });
}

/** A link on the home page: where, what, and a line on what it is for. */
export interface HomeLink {
  href: string;
  label: string;
  note: string;
}

export function homePage(o: {
  user: { name: string; role: string; email: string | null };
  csrfToken: string;
  repName?: string | null;
  tools: HomeLink[];
  data: HomeLink[];
}): string {
  const list = (links: HomeLink[]) =>
    html`<ul class="links">
      ${links.map(
        (l) =>
          html`<li><a href="${l.href}">${l.label}</a> <span class="muted">— ${l.note}</span></li>`,
      )}
    </ul>`;
  return layout({
    title: 'Home',
    user: o.user,
    csrfToken: o.csrfToken,
    body: html`<section class="card" aria-labelledby="title">
        <h1 id="title">Hello, ${o.user.name}</h1>
        <dl class="facts">
          <dt>Signed in as</dt>
          <dd>${o.user.email ?? '(no email yet)'}</dd>
          <dt>Role</dt>
          <dd>${o.user.role}</dd>
          ${
            o.repName
              ? html`<dt>Sales rep</dt>
                  <dd>${o.repName}</dd>`
              : ''
          }
        </dl>
      </section>
      <section class="card" aria-labelledby="tools">
        <h2 id="tools">What you can use</h2>
        ${list(o.tools)}
      </section>
      <section class="card" aria-labelledby="data">
        <h2 id="data">Your data in the API</h2>
        <p class="muted">
          Signed in, these open as JSON in this browser; scripts use an API key instead.
        </p>
        ${list(o.data)}
      </section>`,
  });
}
