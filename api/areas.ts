/**
 * The business areas mounted under /api/v1. Each area folder exports one function
 * `(ctx, registry) => Router`; add yours here.
 */
import type { Router } from 'express';
import type { AppContext } from './context.ts';
import type { RouteRegistry } from './route.ts';
import { authRoutes } from './auth/routes.ts';

export type AreaRouter = (ctx: AppContext, registry: RouteRegistry) => Router;

export const areaRouters: AreaRouter[] = [authRoutes];
