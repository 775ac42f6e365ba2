import type { z } from 'zod';

/** Bad input from a person: its message is shown to them as it is, in one sentence. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Parses user input with a zod schema; the first problem becomes an `InputError`. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InputError(result.error.issues[0]!.message);
}
