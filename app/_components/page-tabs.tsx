import Link from 'next/link';

/** Links that switch what a dashboard page shows (comments by status, stats by period); the one shown is marked. */
export function PageTabs(props: { label: string; tabs: { href: string; text: string; current: boolean }[] }) {
  return (
    <nav aria-label={props.label} className="tabs">
      {props.tabs.map((tab) => (
        <Link key={tab.href} href={tab.href} aria-current={tab.current ? 'page' : undefined}>
          {tab.text}
        </Link>
      ))}
    </nav>
  );
}
