/** Every role, for routes any signed-in caller may use (admin is always allowed anyway). */
import { ROLES } from '../../db/schema.ts';

export const ALL_ROLES = ROLES;
