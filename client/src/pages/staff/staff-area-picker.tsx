import { Picker, View } from '@tarojs/components';
import { listOperatorAreas } from '../../api/staff';
import { useAsync } from '../../lib/use-async';
import { staffErrorText } from './staff-forms';
import Button from '../../components/button';

export interface StaffAreaPickerProps {
  /** The picker's id; the text showing the choice has the id `${id}-value`. */
  id: string;
  /** The chosen area code; `''` when none is chosen (or, with `allLabel`, every area). */
  value: string;
  /** Called with the picked area's code, or `''` for the `allLabel` choice. */
  onChange: (code: string) => void;
  /** Offers a first choice meaning every area (for a filter), picked as `''`. */
  allLabel?: string;
  /** Shown while nothing is chosen (without `allLabel`). Default 请选择片区. */
  placeholder?: string;
}

/**
 * A dropdown of the operator's service areas (片区) as the server configures them
 * (`GET /staff/areas`), so staff pick a name instead of typing a code.
 */
export default function StaffAreaPicker({ id, value, onChange, allLabel, placeholder = '请选择片区' }: StaffAreaPickerProps) {
  const areas = useAsync(() => listOperatorAreas(), []);
  if (areas.error) {
    return (
      <View className="field__error" id={`${id}-error`}>
        片区列表加载失败：{staffErrorText(areas.error)}
        <Button className="btn-plain" size="mini" onClick={() => void areas.reload()}>
          重试
        </Button>
      </View>
    );
  }
  const options = [...(allLabel === undefined ? [] : [{ code: '', name: allLabel }]), ...(areas.data ?? [])];
  const index = options.findIndex((o) => o.code === value);
  const shown = areas.loading ? '片区加载中…' : index >= 0 ? options[index].name : placeholder;
  return (
    <Picker
      id={id}
      mode="selector"
      range={options.map((o) => o.name)}
      value={Math.max(0, index)}
      disabled={areas.loading}
      onChange={(e) => {
        const picked = options[Number(e.detail.value)];
        if (picked) onChange(picked.code);
      }}
    >
      <View className={`field__input staff-area-picker${index >= 0 ? '' : ' staff-area-picker--empty'}`} id={`${id}-value`}>
        {shown} ▾
      </View>
    </Picker>
  );
}
