import { View } from '@tarojs/components';
import type { FieldIssue } from '@openhall/shared';

export interface StaffFormErrorsProps {
  /** The failed write's message (empty: none). */
  error: string;
  /** Field issues, each already put in words. */
  issues: FieldIssue[];
  id: string;
}

/** The error of a failed write and the field issues behind it, shown beside the form. */
export default function StaffFormErrors({ error, issues, id }: StaffFormErrorsProps) {
  if (!error && issues.length === 0) return null;
  return (
    <View id={id} className="staff-form__errors">
      {error && <View className="field__error">{error}</View>}
      {issues.map((i, n) => (
        <View key={`${i.path}-${n}`} className="field__error">
          {i.message}
        </View>
      ))}
    </View>
  );
}
