import { slugAvailability } from '@/lib/blogs/blogs';
import { apiRoute } from '@/lib/http/api';

/** The sign-up form's live check of a blog address. */
export const GET = apiRoute((request) => slugAvailability(new URL(request.url).searchParams.get('slug') ?? ''));
