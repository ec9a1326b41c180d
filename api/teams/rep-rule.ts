/**
 * Who may be given a record (a customer, opportunity, activity or order): the rep exists, is
 * active and, for a caller limited to a team, is one of its reps. Pure, over the rep row the
 * caller has already read, so the order path checks it with the row its one combined statement
 * reads (api/orders/combined-sql.ts orderInputs: round trips bound order throughput) and the
 * other areas with teams' findRep (assertAssignableRep in ./service.ts).
 */
import { fieldProblem, type AppError } from '../errors.ts';

/** The columns of a sales rep the rule reads. */
export interface AssignableRepRow {
  active: boolean;
  code: string;
}

/** Is `repId` one of the reps of `team` (null: the caller is not limited to a team)? */
export function repInTeam(team: readonly number[] | null, repId: number): boolean {
  return team === null || team.includes(repId);
}

/**
 * 422 naming the body field `field` when sales rep `repId` (its row `rep`, null or undefined when
 * there is none) may not be given a record by a caller whose team is `team`; undefined when it
 * may. An out-of-team rep reads as unknown, so other teams' reps do not leak.
 */
export function repAssignmentProblem(
  rep: AssignableRepRow | null | undefined,
  repId: number,
  team: readonly number[] | null,
  field: string,
): AppError | undefined {
  if (!rep || !repInTeam(team, repId)) {
    const where = team ? ' in your team' : '';
    return fieldProblem(
      'unprocessable',
      field,
      `sales rep ${repId} does not exist${where}`,
      'body',
    );
  }
  if (!rep.active)
    return fieldProblem(
      'unprocessable',
      field,
      `sales rep ${repId} (${rep.code}) is inactive`,
      'body',
    );
  return undefined;
}
