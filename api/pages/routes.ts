/**
 * The app's pages: GET /login, /set-password, /account, / and the stylesheet. Declared in the
 * route registry like the API (`page: true` keeps them out of the OpenAPI document), so the
 * registry's `roles: 'public'` is the one list of what needs no sign-in.
 */
import fs from 'node:fs';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { nowOf } from '../../context.ts';
import { ALL_ROLES } from '../auth/roles.ts';
import { setSessionCookie } from '../auth/cookies.ts';
import type { Principal } from '../auth/principal.ts';
import { seeOther, type RouteRegistry } from '../route.ts';
import { signInWithLink } from '../sessions/service.ts';
import { safeNext } from '../sessions/routes.ts';
import { hashToken } from '../sessions/tokens.ts';
import { findUser, tokenUsable } from '../users/repository.ts';
import { dashboardPageRoutes } from './dashboard-routes.ts';
import { homeLinks } from './home-links.ts';
import { sqlPageRoutes } from './sql-routes.ts';
import { accountPage, homePage, loginPage, setPasswordPage } from './views.ts';
import { sendPage } from './send.ts';

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  js: 'text/javascript; charset=utf-8',
};

/**
 * The pages' files, read once: every file of ./assets — the stylesheets, the tab icon and the
 * dashboard and console pages' modules (plain ES modules, readable in view-source: no build step).
 */
const ASSET_DIR = new URL('./assets/', import.meta.url);
const ASSETS: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  fs
    .readdirSync(ASSET_DIR)
    .filter((name) => TYPES[name.split('.').pop()!])
    .map((name) => [
      name,
      { type: TYPES[name.split('.').pop()!]!, body: fs.readFileSync(new URL(name, ASSET_DIR)) },
    ]),
);

const tokenQuery = z.object({
  token: z.string().max(200).optional(),
  next: z.string().max(2000).optional(),
});

export function pageRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const base = { mount: '', tag: 'pages', page: true } as const;

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/assets/:file',
      summary: 'The pages’ static files',
      roles: 'public',
      params: z.object({ file: z.string() }),
    },
    ({ params, res }) => {
      const asset = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file] : undefined;
      if (!asset) return void res.status(404).type('text').send('not found');
      res.set('Cache-Control', 'public, max-age=300').type(asset.type).send(asset.body);
    },
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/favicon.ico',
      summary: 'The tab icon',
      roles: 'public',
    },
    ({ res }) => {
      // Browsers ask for it on every answer without a page of ours around it (the API's JSON
      // opened from the home page): without it, a 404 in the console each time.
      const icon = ASSETS['icon.svg']!;
      res.set('Cache-Control', 'public, max-age=86400').type(icon.type).send(icon.body);
    },
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/login',
      summary: 'Sign-in page',
      roles: 'public',
      query: tokenQuery,
    },
    async ({ query, req, res }) => {
      // HEAD (link previewers, mail scanners) must not use up a one-time link.
      if (query.token && req.method === 'GET') {
        // The first start's one-time link: sign in as its user, then set an email and password.
        const s = await signInWithLink(db, ctx.config, nowOf(ctx), query.token);
        if (!s)
          return sendPage(
            res,
            loginPage({
              error:
                'This sign-in link was used already or has expired (it works once, for 15 minutes). ' +
                'Sign in below, or ask for a new link: salesops users reset-password.',
            }),
            401,
          );
        setSessionCookie(req, res, s.token);
        return seeOther(res, '/account');
      }
      if (req.principal?.userId != null) return seeOther(res, safeNext(query.next));
      sendPage(res, loginPage({ next: query.next }));
    },
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/set-password',
      summary: 'Choose a password with a one-time link',
      roles: 'public',
      query: tokenQuery,
    },
    async ({ query, res }) => {
      const user = query.token
        ? await tokenUsable(db, hashToken(query.token), 'set_password', nowOf(ctx))
        : undefined;
      if (!user)
        return sendPage(res, setPasswordPage({ token: '', needsEmail: false, invalid: true }), 404);
      sendPage(
        res,
        setPasswordPage({
          token: query.token!,
          name: user.name || user.email || undefined,
          needsEmail: !user.email,
        }),
      );
    },
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/account',
      summary: 'Set or change your password',
      roles: ALL_ROLES,
    },
    async ({ principal, req, res }) => {
      const user = principal.userId != null ? await findUser(db, principal.userId) : undefined;
      if (!user) return seeOther(res, '/login');
      sendPage(
        res,
        accountPage({
          user: { name: principal.name, role: principal.role, email: user.email },
          csrfToken: req.csrfToken ?? '',
          needsEmail: !user.email,
          needsCurrent: Boolean(user.has_password),
        }),
      );
    },
  );

  registry.add(
    router,
    {
      ...base,
      method: 'get',
      path: '/',
      summary: 'Home: who you are and what you can use',
      roles: ALL_ROLES,
    },
    async ({ principal, req, res }) => {
      // A script with an API key gets the same page; it simply has no email or session.
      const user = principal.userId != null ? await findUser(db, principal.userId) : undefined;
      if (user && !user.email) return seeOther(res, '/account');
      const rep = principal.repId != null ? await repName(ctx, principal.repId) : null;
      const links = homeLinks(registry, principal);
      sendPage(
        res,
        homePage({
          user: { name: principal.name, role: principal.role, email: user?.email ?? null },
          csrfToken: req.csrfToken ?? '',
          repName: rep,
          ...links,
        }),
      );
    },
  );
  router.use(dashboardPageRoutes(ctx, registry));
  router.use(sqlPageRoutes(ctx, registry));
  return router;
}

async function repName(ctx: AppContext, repId: number): Promise<string | null> {
  const r = await ctx.ops.db
    .selectFrom('sales_reps')
    .select(['name', 'code'])
    .where('id', '=', repId)
    .executeTakeFirst();
  return r ? `${r.name} (${r.code})` : null;
}

export type { Principal };
