import { View } from '@tarojs/components';
import Button from '../../components/button';

export interface StaffPagerProps {
  /** Prefix of the buttons' ids: `<id>-prev`, `<id>-next`. */
  id: string;
  /** The page shown, from 1. */
  page: number;
  /** How many pages there are; with one, nothing is shown. */
  pages: number;
  onPage: (page: number) => void;
}

/** Previous / next for a paged console list. */
export default function StaffPager({ id, page, pages, onPage }: StaffPagerProps) {
  if (pages <= 1) return null;
  return (
    <View className="ticket-actions tickets-gap staff-pager">
      <Button id={`${id}-prev`} className="btn-plain" size="mini" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        上一页
      </Button>
      <View className="muted">
        第 {page}/{pages} 页
      </View>
      <Button id={`${id}-next`} className="btn-plain" size="mini" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        下一页
      </Button>
    </View>
  );
}
