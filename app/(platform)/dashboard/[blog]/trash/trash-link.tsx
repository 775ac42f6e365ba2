import Link from 'next/link';

/** The way to the blog's trash from the lists of posts and pages, with how much waits there. */
export function TrashLink({ blog, count }: { blog: string; count: number }) {
  return (
    <Link className="button" href={`/dashboard/${blog}/trash`}>
      {count > 0 ? `Trash (${count.toLocaleString('en')})` : 'Trash'}
    </Link>
  );
}
