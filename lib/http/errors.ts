/** An error with the HTTP status and the one sentence a person should see. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const unauthorized = () => new HttpError(401, 'Please log in again.');
export const forbidden = (message = 'You do not have permission to do this.') => new HttpError(403, message);
export const notFoundError = (message = 'Not found.') => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
