// A table of rows under column headings: the views list pairs, sources, alerts, contributions and
// reconciliation lines this way. Each declares a table's layout once (its columns, how a row is keyed
// and marked, its caption) and places it with the rows it has.
import type { ComponentChildren } from "preact";

/** Attributes the tests and styles select cells and rows by (`data-count`, `data-pair`, `class`…). */
type Marks = Record<string, string | undefined>;

export interface Column<T> {
  head: string;
  cell: (row: T) => ComponentChildren;
  /** The cell names its row (`th scope="row"`): a screen reader announces it with every other cell. */
  namesRow?: boolean;
  marks?: Marks;
}

export interface TableLayout<T> {
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowMarks?: (row: T) => Marks;
  caption?: string;
  class?: string;
  testId?: string;
  /** Said instead of an empty table. */
  empty?: string;
  /** Each cell carries its heading (`data-label`): the narrow layout shows it before the value. */
  labelCells?: boolean;
}

export function Table<T>({ layout, rows }: { layout: TableLayout<T>; rows: readonly T[] }) {
  if (layout.empty && rows.length === 0) return <p class="muted">{layout.empty}</p>;
  return (
    <table class={layout.class} data-testid={layout.testId}>
      {layout.caption && <caption>{layout.caption}</caption>}
      <thead>
        <tr>
          {layout.columns.map((c) => (
            <th key={c.head} scope="col">
              {c.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={layout.rowKey(row)} {...layout.rowMarks?.(row)}>
            {layout.columns.map((c) => {
              const marks = { ...(layout.labelCells ? { "data-label": c.head } : {}), ...c.marks };
              return c.namesRow ? (
                <th key={c.head} scope="row" {...marks}>
                  {c.cell(row)}
                </th>
              ) : (
                <td key={c.head} {...marks}>
                  {c.cell(row)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
