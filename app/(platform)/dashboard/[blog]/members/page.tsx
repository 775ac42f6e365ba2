import { dashboardBlog } from '@/lib/dashboard/access';
import { pendingInvites } from '@/lib/members/invites';
import { listMembers } from '@/lib/members/members';
import { mailEnabled } from '@/lib/mail/outbox';
import { MailNotConfigured } from '@/app/_components/mail-status';
import { When } from '@/app/_components/dates';
import { OwnerOnly } from '@/app/_components/owner-only';
import { InviteForm, RemoveButton } from './members-forms';
import { ListTable } from '@/app/_components/list-table';

export const metadata = { title: 'Members · Quire' };

export default async function MembersPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, user, allowed, settings } = await dashboardBlog((await params).blog, 'manage-members');
  if (!allowed) return <OwnerOnly what="manage its members" />;
  const members = await listMembers(blog.id);
  const invites = await pendingInvites(blog.id);
  const mail = mailEnabled();
  return (
    <main className="page">
      <h1>Members</h1>
      <ListTable
        columns={[{ label: 'Email' }, { label: 'Role' }, { label: 'Since', wideOnly: true }, { label: 'Actions', unlabelled: true }]}
      >
        {members.map((member) => (
          <tr key={member.userId}>
            <td>{member.email}</td>
            <td>{member.role}</td>
            <td className="wide-only">
              <When date={member.since} timeZone={settings.timeZone} />
            </td>
            <td>
              {member.userId !== user.id && (
                <RemoveButton
                  url={`/api/blogs/${blog.slug}/members/${member.userId}`}
                  label="Remove"
                  ariaLabel={`Remove ${member.email}`}
                />
              )}
            </td>
          </tr>
        ))}
      </ListTable>

      <h2>Invite someone</h2>
      <p className="muted">
        {mail
          ? 'Create a one-time link, mailed to the address you give (if any) and shown here to copy.'
          : 'Create a one-time link and pass it on.'}{' '}
        It works once, for seven days. Editors write posts and pages; owners can also change settings, members, and delete the blog.
      </p>
      <MailNotConfigured mailEnabled={mail} />
      <InviteForm blog={blog.slug} mailEnabled={mail} />

      {invites.length > 0 && (
        <>
          <h2>Open invitations</h2>
          <ul className="plain">
            {invites.map((invite) => (
              <li key={invite.id}>
                {invite.role}, expires <When date={invite.expiresAt} timeZone={settings.timeZone} />{' '}
                <RemoveButton url={`/api/blogs/${blog.slug}/invites/${invite.id}`} label="Revoke" />
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
