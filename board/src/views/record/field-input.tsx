// One form field of "Record by hand", as the control its kind asks for.
import { Check, Choice, Field, TextField } from "../../components/field.tsx";
import { label } from "../../text.ts";
import type { FieldValue, FormField } from "./forms.ts";

export function FieldInput({
  field: f,
  value,
  onChange,
}: {
  field: FormField;
  value: FieldValue;
  onChange: (v: FieldValue) => void;
}) {
  const id = `r-${f.name.replace(".", "-")}`;
  if (f.kind === "bool") return <Check id={id} label={f.label} checked={value === true} onCheck={onChange} />;
  if (f.kind === "multi") {
    const list = Array.isArray(value) ? value : [];
    return (
      <fieldset class="multi">
        <legend>{f.label}</legend>
        {f.options.map((o) => (
          <Check
            key={o}
            id={`${id}-${o}`}
            label={label(o)}
            checked={list.includes(o)}
            onCheck={(on) => onChange(on ? [...list, o] : list.filter((x) => x !== o))}
          />
        ))}
      </fieldset>
    );
  }
  const optional = "optional" in f && f.optional;
  const text = `${f.label}${optional ? " (optional)" : ""}`;
  if (f.kind === "select")
    return (
      <Choice
        id={id}
        label={text}
        value={String(value)}
        options={f.options}
        none={optional ? "—" : undefined}
        onValue={onChange}
      />
    );
  if (f.kind === "textarea")
    return (
      <Field id={id} label={text} class="wide">
        <textarea
          id={id}
          required={!optional}
          value={String(value)}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      </Field>
    );
  return (
    <TextField
      id={id}
      label={text}
      type={f.kind === "list" ? "text" : f.kind}
      required={!optional}
      min={f.kind === "number" ? 0 : undefined}
      value={String(value)}
      onValue={onChange}
    />
  );
}
