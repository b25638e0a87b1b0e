import { QueryFailedError } from 'typeorm';

function sqlState(error: unknown): { code?: string; constraint?: string } | null {
  return error instanceof QueryFailedError
    ? (error.driverError as { code?: string; constraint?: string })
    : null;
}

/** A unique constraint or index refused the write; `constraint` narrows it to one of them. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const state = sqlState(error);
  return state?.code === '23505' && (constraint === undefined || state.constraint === constraint);
}

/** A foreign key refused the write: a row still names the one being deleted, or names one that is gone. */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error)?.code === '23503';
}
