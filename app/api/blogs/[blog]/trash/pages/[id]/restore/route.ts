import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { restoreFromTrash } from '@/lib/trash/trash';

type Params = { blog: string; id: string };

/** Takes a page out of the trash, back as it was. */
export const POST = blogRoute<Params>('write-pages', ({ params, handle }) => restoreFromTrash(handle, 'page', idParam(params.id)));
