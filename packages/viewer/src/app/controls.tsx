// Small controls of the toolbar: all native buttons and inputs, so every one is reachable and
// usable with the keyboard.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { isDay } from './dates';

export interface Choice<T> {
  value: T;
  label: ComponentChildren;
  title?: string;
  disabled?: boolean;
}

/** A row of toggle buttons, one pressed. */
export function Segmented<T extends string | number>(props: {
  label: string;
  value: T | undefined;
  choices: Choice<T>[];
  onChange(value: T): void;
  class?: string;
}) {
  return (
    <fieldset class={`seg ${props.class ?? ''}`}>
      <legend class="sr-only">{props.label}</legend>
      {props.choices.map((c) => (
        <button
          type="button"
          key={String(c.value)}
          aria-pressed={c.value === props.value}
          title={c.title}
          disabled={c.disabled}
          onClick={() => props.onChange(c.value)}
        >
          {c.label}
        </button>
      ))}
    </fieldset>
  );
}

/**
 * A day as `YYYY-MM-DD` in a plain text field (no locale date picker: the same format as the
 * address bar and the API). Applied on Enter or when the field loses focus; an invalid day is
 * marked and not applied.
 */
export function DayInput(props: {
  label: string;
  value: string;
  onChange(day: string): void;
  invalid?: boolean;
}) {
  const [draft, setDraft] = useState(props.value);
  useEffect(() => setDraft(props.value), [props.value]);
  const valid = isDay(draft);
  const apply = () => {
    if (valid && draft !== props.value) props.onChange(draft);
  };
  return (
    <input
      class="day"
      type="text"
      inputMode="numeric"
      spellcheck={false}
      autocomplete="off"
      maxLength={10}
      placeholder="YYYY-MM-DD"
      aria-label={`${props.label} (YYYY-MM-DD)`}
      title={`${props.label}: a day as YYYY-MM-DD`}
      aria-invalid={!valid || props.invalid}
      value={draft}
      onInput={(e) => setDraft((e.target as HTMLInputElement).value.trim())}
      onKeyDown={(e) => {
        if (e.key === 'Enter') apply();
        if (e.key === 'Escape') setDraft(props.value);
      }}
      onBlur={apply}
    />
  );
}

/** A menu that opens below its button (a native details element: Enter, Space, Escape work). */
export function Menu(props: { label: string; children: ComponentChildren; class?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      class={`menu ${props.class ?? ''}`}
      open={open}
      onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setOpen(false);
      }}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('.menu-items button')) setOpen(false);
      }}
    >
      <summary>{props.label}</summary>
      <div class="menu-items">{props.children}</div>
    </details>
  );
}
