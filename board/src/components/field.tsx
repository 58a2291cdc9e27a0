// Labelled form controls: every control has a visible label tied to it by id, so screen readers name
// it and the tests find it by that name (`getByLabel`).
import type { ComponentChildren } from "preact";
import { label as words } from "../text.ts";

/** A label above its control (`children`, whose id is `id`). `class` adds to "field" (wide, search). */
export function Field(props: {
  id: string;
  label: ComponentChildren;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={props.class ? `field ${props.class}` : "field"}>
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

/** A one-line input; `onValue` gets what is typed. */
export function TextField(props: {
  id: string;
  label: ComponentChildren;
  type?: "text" | "search" | "date" | "datetime-local" | "number" | "email";
  required?: boolean;
  min?: number;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field id={props.id} label={props.label} class={props.type === "search" ? "search" : undefined}>
      <input
        id={props.id}
        // Preact's types tie other attributes to each `type`; these are all one-line text inputs.
        type={props.type as "text"}
        required={props.required}
        min={props.min}
        value={props.value}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
    </Field>
  );
}

/**
 * A choice among codes, each shown by its name in `names` or in plain words. `none` adds a first,
 * empty option with that text ("any" for a filter, "—" for an optional field).
 */
export function Choice(props: {
  id: string;
  label: ComponentChildren;
  value: string;
  options: readonly string[];
  names?: Record<string, string>;
  none?: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field id={props.id} label={props.label}>
      <select id={props.id} value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)}>
        {props.none !== undefined && <option value="">{props.none}</option>}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {props.names?.[o] ?? words(o)}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A checkbox with its label after it. */
export function Check(props: {
  id: string;
  label: ComponentChildren;
  checked: boolean;
  onCheck: (on: boolean) => void;
}) {
  return (
    <div class="field check">
      <input
        id={props.id}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onCheck(e.currentTarget.checked)}
      />
      <label for={props.id}>{props.label}</label>
    </div>
  );
}
