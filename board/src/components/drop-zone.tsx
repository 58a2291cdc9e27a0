import { useState } from "preact/hooks";

/** A label that takes a dropped file or opens the file chooser; `onFile` gets the one file chosen. */
export function DropZone(props: { label: string; accept?: string; onFile: (file: File) => void }) {
  const [over, setOver] = useState(false);
  return (
    <label
      class={`dropzone${over ? " over" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file) props.onFile(file);
      }}
    >
      {props.label}
      <input
        type="file"
        class="file-input"
        accept={props.accept}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) props.onFile(file);
          e.currentTarget.value = "";
        }}
      />
    </label>
  );
}
