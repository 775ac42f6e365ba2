import type { ReactNode } from 'react';

/**
 * A column of a dashboard list: its heading, shown on wide screens only, right-aligned for
 * numbers, or named for screen readers only (a column of buttons needs a name, not a label).
 */
export type ListColumn = { label: string; wideOnly?: boolean; numeric?: boolean; unlabelled?: boolean };

/** The dashboard's lists (posts, pages, members, media, trash): a table, its header row, its rows. */
export function ListTable(props: { columns: ListColumn[]; className?: string; children: ReactNode }) {
  return (
    <table className={props.className ? `list ${props.className}` : 'list'}>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th key={column.label} className={column.wideOnly ? 'wide-only' : column.numeric ? 'num' : undefined}>
              {column.unlabelled ? <span className="visually-hidden">{column.label}</span> : column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
