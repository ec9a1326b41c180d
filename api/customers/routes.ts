/** /customers, their contacts and timeline. HTTP only; rules live in the service files. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { RouteRegistry } from '../route.ts';
import * as contacts from './contacts.ts';
import { idParams } from '../fields.ts';
import { customerPicture } from './picture.ts';
import {
  contactBody,
  contactDto,
  contactParams,
  contactPatch,
  customerBody,
  customerDto,
  customerListQuery,
  customerPage,
  customerPatch,
  customerPictureDto,
  timelinePage,
  timelineQuery,
} from './schemas.ts';
import * as service from './service.ts';
import { customerTimeline } from './timeline.ts';
import { pageSchema, wholeList } from '../pagination.ts';

const READ = ['manager', 'staff', 'analyst'] as const;
const WRITE = ['manager', 'staff'] as const;

export function customerRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  const db = ctx.ops.db;
  const tag = 'customers';

  registry.add(
    router,
    {
      method: 'get',
      path: '/customers',
      summary:
        'Search and list customers (?q=&group=&tag=&country=&owner=&deleted=&segment=&churnRiskMin=)',
      tag,
      roles: READ,
      query: customerListQuery,
      response: customerPage,
      // A filter on scores before the first segment run has succeeded.
      errors: [503],
    },
    ({ query, principal }) => service.listCustomers(db, principal, query),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/customers',
      summary: 'Create a customer; a duplicate code or email is a 409 naming the other',
      tag,
      roles: WRITE,
      body: customerBody,
      response: customerDto,
      status: 201,
    },
    ({ body, principal }) => service.createCustomer(db, principal, body),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/customers/:id',
      summary:
        "The customer's whole picture, with its newest segment, RFM scores, cluster and churn risk",
      tag,
      roles: READ,
      params: idParams,
      response: customerPictureDto,
    },
    ({ params, principal }) => customerPicture(db, principal, params.id, ctx.config.timezone),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/customers/:id',
      summary: 'Change a customer (creditLimit and blocked: managers only)',
      tag,
      roles: WRITE,
      params: idParams,
      body: customerPatch,
      response: customerDto,
    },
    ({ params, body, principal }) => service.updateCustomer(db, principal, params.id, body),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/customers/:id',
      summary: 'Soft-delete a customer (refused while it has open orders)',
      tag,
      roles: ['manager'],
      params: idParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await service.deleteCustomer(db, principal, params.id);
      return undefined;
    },
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/customers/:id/restore',
      summary: 'Undo a soft delete',
      tag,
      roles: ['manager'],
      params: idParams,
      response: customerDto,
      status: 200,
    },
    ({ params, principal }) => service.restoreCustomer(db, principal, params.id),
  );
  registry.add(
    router,
    {
      method: 'get',
      path: '/customers/:id/timeline',
      summary: 'Activities, orders and order events, newest first',
      tag,
      roles: READ,
      params: idParams,
      query: timelineQuery,
      response: timelinePage,
    },
    ({ params, query, principal }) => customerTimeline(db, principal, params.id, query),
  );

  registry.add(
    router,
    {
      method: 'get',
      path: '/customers/:id/contacts',
      summary: "The customer's contacts, primary first",
      tag,
      roles: READ,
      params: idParams,
      response: pageSchema(contactDto),
    },
    async ({ params, principal }) =>
      wholeList(await contacts.listContacts(db, principal, params.id)),
  );
  registry.add(
    router,
    {
      method: 'post',
      path: '/customers/:id/contacts',
      summary: 'Add a contact',
      tag,
      roles: WRITE,
      params: idParams,
      body: contactBody,
      response: contactDto,
      status: 201,
    },
    ({ params, body, principal }) => contacts.createContact(db, principal, params.id, body),
  );
  registry.add(
    router,
    {
      method: 'patch',
      path: '/customers/:id/contacts/:contactId',
      summary: 'Change a contact',
      tag,
      roles: WRITE,
      params: contactParams,
      body: contactPatch,
      response: contactDto,
    },
    ({ params, body, principal }) =>
      contacts.updateContact(db, principal, params.id, params.contactId, body),
  );
  registry.add(
    router,
    {
      method: 'delete',
      path: '/customers/:id/contacts/:contactId',
      summary: 'Remove a contact',
      tag,
      roles: WRITE,
      params: contactParams,
      status: 204,
    },
    async ({ params, principal }) => {
      await contacts.deleteContact(db, principal, params.id, params.contactId);
      return undefined;
    },
  );
  return router;
}
