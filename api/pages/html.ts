/**
 * Server-rendered HTML for the app's own pages: a tagged template that escapes every value, and
 * the layout every page shares. No template engine and no build step: the pages are a few forms
 * and lists, and the app must serve them with no internet access.
 */

/** HTML that is already safe (made by `html`), as opposed to text that must be escaped. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** html`<p>${text}</p>`: values are escaped unless they are Html themselves (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Data for a script, inside the page: `</` escaped so no value can end the element. */
export function jsonBlock(id: string, data: unknown): Html {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return new Html(`<script type="application/json" id="${id}">${json}</script>`);
}

export interface PageOptions {
  title: string;
  /** The signed-in person, shown in the header with a sign-out button. */
  user?: { name: string; role: string } | undefined;
  /** The session's CSRF token: in a meta tag for scripts, and in the sign-out form. */
  csrfToken?: string | undefined;
  body: Html;
  /** More of the head: a page's own stylesheet and scripts (the dashboards). */
  head?: Html;
  /** A page that needs the window's width (a dashboard's grid of charts), not a column of text. */
  wide?: boolean;
}

/** A whole page in the shared layout. */
export function layout(o: PageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${o.csrfToken ? html`<meta name="csrf-token" content="${o.csrfToken}" />` : ''}
        <title>${o.title} · salesops</title>
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/app.css" />
        ${o.head ?? ''}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/"
            ><img src="/assets/icon.svg" alt="" width="22" height="22" />salesops</a
          >
          ${
            o.user
              ? html`<form class="signout" method="post" action="/logout">
                  <span class="who"
                    ><span class="name">${o.user.name}</span>
                    <span class="role">${o.user.role}</span></span
                  >
                  <input type="hidden" name="_csrf" value="${o.csrfToken ?? ''}" />
                  <button type="submit">Sign out</button>
                </form>`
              : ''
          }
        </header>
        <main${o.wide ? html` class="wide"` : ''}>${o.body}</main>
      </body>
    </html> `.value;
}
