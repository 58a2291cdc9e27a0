import type { ComponentChildren } from "preact";

/**
 * A part of a page named by its heading (`aria-labelledby`), so a screen reader lists it among the
 * page's regions by that name. A view is a `level` 1 section; its parts are level 2.
 */
export function Section(props: {
  id: string;
  title: ComponentChildren;
  level?: 1 | 2;
  class?: string;
  children: ComponentChildren;
}) {
  const Heading = props.level === 1 ? "h1" : "h2";
  return (
    <section class={props.class} aria-labelledby={props.id}>
      <Heading id={props.id}>{props.title}</Heading>
      {props.children}
    </section>
  );
}
