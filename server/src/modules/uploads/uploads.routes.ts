import type { ApiRouter } from '../../http/api-router';
import { z } from 'zod';
import { idParamSchema, uploadContentTypes, urlIdSchema } from '@openhall/shared';
import { routeDefiner, type PrincipalFor, type RouteAuth, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';
import { defineImageRoute } from './uploads.image-route';
import { readMultipartFile } from './uploads.multipart';
import type { TicketViewer } from '../access/access';

const photoParamSchema = z.object({ id: urlIdSchema, photoId: urlIdSchema });

export function registerUploadRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const tag = 'uploads';
  const maxBytes = () => s.uploads.maxBytes;

  route(
    { method: 'post', path: '/uploads', summary: 'Upload a photo (multipart/form-data, field `file`; JPEG/PNG/WebP/HEIC by its bytes; size limit UPLOAD_MAX_KB); answers its id', tag, auth: 'user', status: 201 },
    async ({ ctx, principal }) => s.uploads.createUpload(principal.userId, await readMultipartFile(ctx.req, maxBytes())),
  );
  route({ method: 'get', path: '/tickets/:id/photos', summary: 'The photos of one of the user’s tickets', tag, auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.uploads.listTicketPhotos({ kind: 'user', userId: principal.userId }, params.id),
  );
  route({ method: 'get', path: '/staff/tickets/:id/photos', summary: 'The photos of a ticket (staff)', tag, auth: { staff: 'agent' }, params: idParamSchema }, ({ params }) =>
    s.uploads.listTicketPhotos({ kind: 'staff' }, params.id),
  );

  // The bytes themselves are not JSON: registered for the API document, answered as the image.
  const photo = <A extends RouteAuth>(path: string, auth: A, summary: string, viewer: (p: PrincipalFor<A>) => TicketViewer) =>
    defineImageRoute(
      router,
      registry,
      prefix,
      { path, auth, summary, tag, params: photoParamSchema, contentTypes: uploadContentTypes, notFound: 'NOT_FOUND: no such ticket (of the user’s), or no such photo of it' },
      (params, principal) => s.uploads.readTicketPhoto(viewer(principal), params.id, params.photoId),
    );
  photo('/tickets/:id/photos/:photoId', 'user', 'One photo of one of the user’s tickets (image bytes)', (p) => ({ kind: 'user', userId: p.userId }));
  photo('/staff/tickets/:id/photos/:photoId', { staff: 'agent' }, 'One photo of a ticket (staff; image bytes)', () => ({ kind: 'staff' }));
}
