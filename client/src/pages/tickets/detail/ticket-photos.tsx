import { listTicketPhotos, ticketPhotoPath } from '../../../api/tickets';
import { ticketPhotoFileNames } from '../../../api/uploads';
import PrivateImages from '../../../components/private-images';
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
  const list = photos.data ?? [];
  if (photos.error) {
    return (
      <Section title="照片">
        <StateView loading={false} error={photos.error} onRetry={() => void photos.reload()} />
      </Section>
    );
  }
  if (list.length === 0) return null;
  return (
    <Section title={`照片（${list.length}）`} className="ticket-photos-section">
      <PrivateImages
        ids={list.map((p) => p.id)}
        owner={ticketId}
        load={(id) => loadPrivateImage(ticketPhotoPath(ticketId, id))}
        release={releasePrivateImage}
        fileNames={ticketPhotoFileNames(ticketId, list)}
        idPrefix="ticket-photo"
      />
    </Section>
  );
}
