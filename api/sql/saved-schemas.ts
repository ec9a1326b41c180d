/** Request and answer shapes of the saved queries (/sql/saved) and the history (/sql/history). */
import { z } from 'zod';
import { flagQuery, requiredText } from '../customers/fields.ts';
import { idText } from '../fields.ts';
import { pageSchema, paginationQuery } from '../pagination.ts';
import { sqlBody } from './schemas.ts';

const savedFields = {
  name: requiredText(200),
  sql: sqlBody.shape.sql,
  description: z.string().trim().max(2000).nullable().optional(),
  shared: z
    .boolean()
    .optional()
    .meta({ description: 'every analyst and executive may see and run it (default false)' }),
};

export const savedBody = z.strictObject(savedFields);
export type SavedInput = z.output<typeof savedBody>;
export const savedPatch = z.strictObject(savedFields).partial();
export type SavedPatch = z.output<typeof savedPatch>;

/** What a saved run takes besides the stored SQL: the same options as POST /sql. */
export const savedRunBody = sqlBody.omit({ sql: true });

export const savedListQuery = paginationQuery.extend({
  shared: flagQuery.optional().meta({ description: 'only shared (true) or only private (false)' }),
});

export const savedDto = z.object({
  id: z.number(),
  name: z.string(),
  sql: z.string(),
  description: z.string().nullable(),
  shared: z.boolean(),
  ownerUserId: z.number().nullable().meta({ description: 'the user who owns it' }),
  ownerKeyId: z
    .number()
    .nullable()
    .meta({ description: 'the machine key that owns it (a key of no user)' }),
  ownerName: z.string().nullable(),
  mine: z.boolean().meta({ description: 'the caller owns it (and may change it)' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedDto = z.output<typeof savedDto>;
export const savedPage = pageSchema(savedDto);

export const historyQuery = paginationQuery.extend({
  userId: idText
    .optional()
    .meta({ description: "one user's queries (an admin's filter; others see only their own)" }),
  savedQueryId: idText.optional().meta({ description: 'runs of one saved query' }),
});
