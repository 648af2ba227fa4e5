import type { ApiRouter } from '../../http/api-router';
import { idParamSchema, surveyAnswersSchema, surveyInputSchema, surveyListQuerySchema, visitorQuerySchema, visitorSurveyAnswersSchema } from '@openhall/shared';
import { apiErrorAnswer, RawAnswer, routeDefiner, type RouteRegistry } from '../../http/route';
import type { Services } from '../../services';

/** `attachment` with the name as given (UTF-8, RFC 5987) and a plain fallback for old clients. */
function attachment(fileName: string, fallback: string): Record<string, string> {
  return { 'Content-Disposition': `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`, 'Cache-Control': 'no-store' };
}

/** Online surveys (在线调查): the console's builder and results, subscribers' and visitors' answers. */
export function registerSurveyRoutes(router: ApiRouter, registry: RouteRegistry, prefix: string, s: Services): void {
  const route = routeDefiner(router, registry, prefix);
  const staffTag = 'staff';
  const supervisor = { staff: 'supervisor' } as const;

  route(
    { method: 'get', path: '/staff/surveys', summary: 'Surveys, newest first, with phase (draft/scheduled/open/ended), version links and submitted responses', tag: staffTag, auth: { staff: 'agent' }, query: surveyListQuerySchema },
    ({ query, principal }) => s.surveys.listSurveys(principal, query),
  );
  route(
    { method: 'post', path: '/staff/surveys', summary: 'Create a survey as a draft: title, introduction, open and close dates, audience, questions', tag: staffTag, auth: supervisor, body: surveyInputSchema, status: 201 },
    ({ body, principal }) => s.surveys.createSurvey(principal, body),
  );
  route({ method: 'get', path: '/staff/surveys/:id', summary: 'One survey with its numbered questions', tag: staffTag, auth: { staff: 'agent' }, params: idParamSchema }, ({ params, principal }) =>
    s.surveys.getSurvey(principal, params.id),
  );
  route(
    { method: 'put', path: '/staff/surveys/:id', summary: 'Replace a draft’s definition (409 SURVEY_NOT_EDITABLE once published: make a new version)', tag: staffTag, auth: supervisor, params: idParamSchema, body: surveyInputSchema },
    ({ params, body, principal }) => s.surveys.updateSurvey(principal, params.id, body),
  );
  route(
    { method: 'post', path: '/staff/surveys/:id/publish', summary: 'Publish a draft (questions fixed from now); a new version closes the one it replaces; audit-logged', tag: staffTag, auth: supervisor, params: idParamSchema },
    ({ params, principal }) => s.surveys.publishSurvey(principal, params.id),
  );
  route(
    { method: 'post', path: '/staff/surveys/:id/close', summary: 'Close a published survey before its close date; audit-logged', tag: staffTag, auth: supervisor, params: idParamSchema },
    ({ params, principal }) => s.surveys.closeSurvey(principal, params.id),
  );
  route(
    { method: 'post', path: '/staff/surveys/:id/versions', summary: 'A new draft version of a published survey, linked to it (one per survey)', tag: staffTag, auth: supervisor, params: idParamSchema, status: 201 },
    ({ params, principal }) => s.surveys.newVersion(principal, params.id),
  );
  route(
    { method: 'get', path: '/staff/surveys/:id/results', summary: 'Responses and rate against the audience, per-question distributions and mean rating, free text with its area (contact only where agreed)', tag: staffTag, auth: supervisor, params: idParamSchema },
    ({ params, principal }) => s.surveys.results(principal, params.id),
  );
  route(
    {
      method: 'get',
      path: '/staff/surveys/:id/results.csv',
      summary: 'Every submitted response as CSV (UTF-8 with BOM), a column per question; name and phone only where agreed; audit-logged',
      tag: staffTag,
      auth: supervisor,
      params: idParamSchema,
      raw: { errors: 'api', answers: { 200: { description: 'The responses, as an attachment', content: { 'text/csv': { type: 'string' } } }, 404: apiErrorAnswer('NOT_FOUND: no such survey') } },
    },
    async ({ params, principal }) => {
      const { fileName, body } = await s.surveys.exportCsv(principal, params.id);
      return new RawAnswer('text/csv; charset=utf-8', body, attachment(fileName, `survey-${params.id}.csv`));
    },
  );

  const tag = 'surveys';
  route({ method: 'get', path: '/surveys', summary: 'Open surveys meant for me (by my bound accounts’ area and service, or a ticket resolved in the period), and open anonymous ones', tag, auth: 'user' }, ({ principal }) =>
    s.surveys.openSurveys(principal.userId),
  );
  route({ method: 'get', path: '/surveys/:id', summary: 'A survey meant for me with my draft or submitted answers (403 SURVEY_NOT_IN_AUDIENCE otherwise)', tag, auth: 'user', params: idParamSchema }, ({ params, principal }) =>
    s.surveys.subscriberSurvey(principal.userId, params.id),
  );
  route(
    { method: 'put', path: '/surveys/:id/draft', summary: 'Save partial answers to come back to (checked as far as given, not counted)', tag, auth: 'user', params: idParamSchema, body: surveyAnswersSchema },
    ({ params, body, principal }) => s.surveys.saveDraft(principal.userId, params.id, body),
  );
  route(
    { method: 'post', path: '/surveys/:id/responses', summary: 'Submit my answers, once; a bad or missing answer names its question (details.questionId), nothing is stored', tag, auth: 'user', params: idParamSchema, body: surveyAnswersSchema, status: 201 },
    ({ params, body, principal }) => s.surveys.submit(principal.userId, params.id, body),
  );
  route({ method: 'get', path: '/public-surveys', summary: 'Open anonymous surveys anyone may answer', tag, auth: 'public' }, () => s.surveys.publicSurveys());
  route(
    { method: 'get', path: '/public-surveys/:id', summary: 'An anonymous survey, with the visitor’s draft when their token is given', tag, auth: 'public', params: idParamSchema, query: visitorQuerySchema },
    ({ params, query }) => s.surveys.visitorSurvey(params.id, query.visitorToken),
  );
  route(
    { method: 'post', path: '/public-surveys/:id/visitors', summary: 'A visitor token to answer an anonymous survey once (limited per IP per day)', tag, auth: 'public', params: idParamSchema, status: 201 },
    ({ params, ctx }) => s.surveys.issueVisitorToken(params.id, ctx.ip),
  );
  route(
    { method: 'put', path: '/public-surveys/:id/draft', summary: 'Save a visitor’s partial answers', tag, auth: 'public', params: idParamSchema, body: visitorSurveyAnswersSchema },
    ({ params, body, ctx }) => s.surveys.saveVisitorDraft(params.id, ctx.ip, body),
  );
  route(
    { method: 'post', path: '/public-surveys/:id/responses', summary: 'Submit a visitor’s answers, once per visitor token', tag, auth: 'public', params: idParamSchema, body: visitorSurveyAnswersSchema, status: 201 },
    ({ params, body, ctx }) => s.surveys.submitVisitor(params.id, ctx.ip, body),
  );
}
