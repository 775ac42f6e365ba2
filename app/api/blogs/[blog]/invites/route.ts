import { z } from 'zod';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { parseInput } from '@/lib/input';
import { createInvite, invitationRecipient, inviteUrl, mailInvitation } from '@/lib/members/invites';

const inviteSchema = z.object({
  role: z.enum(['editor', 'owner'], { error: 'Choose editor or owner.' }),
  /** Optional: where to mail the link; checked by invitationRecipient. */
  email: z.string().max(1000).optional(),
});

/** A one-time link, mailed too when an address is given and mail is set up; shown for copying either way. */
export const POST = blogRoute('manage-members', async ({ request, access, user }) => {
  const form = parseInput(inviteSchema, await readJson(request, 4 * 1024));
  const to = form.email?.trim() ? invitationRecipient(user, form.email) : undefined;
  const invite = await createInvite(access.blog, form.role, user);
  if (to) await mailInvitation(access.blog, form.role, user, invite.token, to);
  return { url: inviteUrl(invite.token), expiresAt: invite.expiresAt.getTime(), mailed: to !== undefined, email: to };
});
