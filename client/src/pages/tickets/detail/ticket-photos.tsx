import { Image, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useState } from 'react';
import { listTicketPhotos, ticketPhotoPath } from '../../../api/tickets';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { useAsync } from '../../../lib/use-async';
import { loadPrivateImage, releasePrivateImage } from '../../../platform';

export interface TicketPhotosProps {
  /** The subscriber's own ticket whose photos to show. */
  ticketId: number;
}

/**
 * The photos the subscriber attached when filing, as thumbnails; a tap opens them full screen
 * (`Taro.previewImage`). The bytes need the session token, so each is loaded through the platform
 * (`loadPrivateImage`) before it can be shown. Nothing is shown for a ticket without photos.
 */
export default function TicketPhotos({ ticketId }: TicketPhotosProps) {
  const photos = useAsync(() => listTicketPhotos(ticketId), [ticketId]);
  const [srcs, setSrcs] = useState<Record<number, string>>({});
  const [failed, setFailed] = useState<Record<number, boolean>>({});

  useEffect(() => {
    let live = true;
    const made: string[] = [];
    setSrcs({});
    setFailed({});
    for (const p of photos.data ?? []) {
      loadPrivateImage(ticketPhotoPath(ticketId, p.id))
        .then((src) => {
          made.push(src);
          if (live) setSrcs((s) => ({ ...s, [p.id]: src }));
        })
        .catch(() => {
          if (live) setFailed((f) => ({ ...f, [p.id]: true }));
        });
    }
    return () => {
      live = false;
      made.forEach(releasePrivateImage);
    };
  }, [ticketId, photos.data]);

  const list = photos.data ?? [];
  if (photos.error) {
    return (
      <Section title="照片">
        <StateView loading={false} error={photos.error} onRetry={() => void photos.reload()} />
      </Section>
    );
  }
  if (list.length === 0) return null;
  const loaded = list.map((p) => srcs[p.id]).filter((s): s is string => Boolean(s));
  return (
    <Section title={`照片（${list.length}）`} className="ticket-photos-section">
      <View className="ticket-photos">
        {list.map((p, i) => (
          <View key={p.id} className="ticket-photos__item" id={`ticket-photo-${i + 1}`}>
            {srcs[p.id] ? (
              <Image className="ticket-photos__img" src={srcs[p.id]} mode="aspectFill" onClick={() => void Taro.previewImage({ urls: loaded, current: srcs[p.id] })} />
            ) : (
              <View className="muted">{failed[p.id] ? '加载失败' : '加载中…'}</View>
            )}
          </View>
        ))}
      </View>
    </Section>
  );
}
