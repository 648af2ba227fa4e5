import { View } from '@tarojs/components';
import './index.scss';

export interface ChoiceChipsProps<T extends string | number> {
  options: readonly { value: T; label: string }[];
  /** The chosen value; undefined when nothing is chosen yet. */
  value: T | undefined;
  onChange: (value: T) => void;
  /** Several chosen at once (preset rating reasons): overrides `value`; `onChange` then toggles. */
  selected?: readonly T[];
  /** Each chip gets the id `${idPrefix}-${value}` so tests and browser runs can pick one. */
  idPrefix: string;
}

/** A row of tappable chips choosing one value (ticket type, account, queue filter), or several with `selected`. */
export default function ChoiceChips<T extends string | number>({ options, value, onChange, selected, idPrefix }: ChoiceChipsProps<T>) {
  return (
    <View className="chips">
      {options.map((o) => (
        <View
          key={String(o.value)}
          id={`${idPrefix}-${o.value}`}
          className={`chips__item${(selected ? selected.includes(o.value) : o.value === value) ? ' chips__item--on' : ''}`}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </View>
      ))}
    </View>
  );
}
