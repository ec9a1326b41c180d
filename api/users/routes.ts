/** /api/v1/users: admins create, list, disable, enable users and issue set-password links. */
import { Router, type Request } from 'express';
import type { AppContext } from '../../context.ts';
import { nowOf } from '../../context.ts';
import { notFound } from '../errors.ts';
import { idParams } from '../fields.ts';
import { idPage, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';
import { createdUserDto, createUserBody, linkDto, userDto } from './schemas.ts';
import {
  createUser,
  disableUser,
  enableUser,
  findUser,
  listUsers,
  resetPassword,
  toUserDto,
  type OneTimeLink,
} from './service.ts';

/** Where a printed link points: SALESOPS_PUBLIC_URL, else the origin the request came to. */
export function linkBase(ctx: AppContext, req: Request): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.get('host')}`;
}

export function userRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'users';
  const roles = ['admin'] as const;
  const link = (req: Request, l: OneTimeLink) => ({
    setPasswordUrl: `${linkBase(ctx, req)}${l.path}`,
    expiresAt: l.expiresAt.toISOString(),
  });

  registry.add(
    router,
    {
      method: 'get',
      path: '/users',
      summary: 'List users (never passwords or links)',
      tag,
      roles,
      query: paginationQuery,
      response: pageSchema(userDto),
    },
    async ({ query }) => pageOf(await listUsers(db, idPage(query)), query.limit, toUserDto),
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/users',
      summary: 'Create a user; the answer holds its one-time set-password link',
      tag,
      roles,
      body: createUserBody,
      response: createdUserDto,
      status: 201,
      bookkeeping: true,
    },
    async ({ body, principal, req }) => {
      const r = await createUser(db, nowOf(ctx), body, principal);
      return { ...r.user, ...link(req, r.link) };
    },
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/users/:id',
      summary: 'One user',
      tag,
      roles,
      params: idParams,
      response: userDto,
    },
    async ({ params }) => {
      const u = await findUser(db, params.id);
      if (!u) throw notFound('user', params.id);
      return toUserDto(u);
    },
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/users/:id/disable',
      summary: 'Disable a user: sessions end and keys are revoked at once (never the last admin)',
      tag,
      roles,
      params: idParams,
      response: userDto,
      bookkeeping: true,
    },
    ({ params, principal }) => disableUser(db, nowOf(ctx), params.id, principal),
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/users/:id/enable',
      summary: 'Enable a disabled user (its revoked keys stay revoked)',
      tag,
      roles,
      params: idParams,
      response: userDto,
      bookkeeping: true,
    },
    ({ params, principal }) => enableUser(db, params.id, principal),
  );

  registry.add(
    router,
    {
      method: 'post',
      path: '/users/:id/reset-password',
      summary: 'A new one-time set-password link (24 h); the current password works until used',
      tag,
      roles,
      params: idParams,
      response: linkDto,
      bookkeeping: true,
    },
    async ({ params, principal, req }) =>
      link(req, await resetPassword(db, nowOf(ctx), params.id, principal)),
  );
  return router;
}
