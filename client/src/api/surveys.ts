import type { SubscriberSurveyView, SurveyAnswer, SurveyAnswersInput, SurveySummary } from '@openhall/shared';
import { request } from './request';

// Online surveys (shared/src/surveys.ts): the open surveys meant for the subscriber, a draft to come
// back to, one submission. Anonymous public surveys go by a visitor token instead of the session.

/** Open surveys meant for the signed-in subscriber (and open anonymous ones). */
export function listMySurveys(): Promise<SurveySummary[]> {
  return request<SurveySummary[]>('/surveys');
}

/** Open anonymous surveys, for visitors who have not signed in. */
export function listPublicSurveys(): Promise<SurveySummary[]> {
  return request<SurveySummary[]>('/public-surveys', { anonymous: true });
}

/** A survey meant for me with my draft or submitted answers: SURVEY_NOT_IN_AUDIENCE when it is not. */
export function getMySurvey(id: number): Promise<SubscriberSurveyView> {
  return request<SubscriberSurveyView>(`/surveys/${id}`);
}

/** Keeps partial answers (not counted). */
export function saveSurveyDraft(id: number, input: SurveyAnswersInput): Promise<SubscriberSurveyView> {
  return request<SubscriberSurveyView>(`/surveys/${id}/draft`, { method: 'PUT', data: { ...input } });
}

/** Submits, once: SURVEY_ANSWER_INVALID / SURVEY_ANSWER_MISSING name the question in `details.questionId`. */
export function submitSurvey(id: number, input: SurveyAnswersInput): Promise<SubscriberSurveyView> {
  return request<SubscriberSurveyView>(`/surveys/${id}/responses`, { method: 'POST', data: { ...input } });
}

/** An anonymous survey, with the visitor's draft when their token is given. */
export function getPublicSurvey(id: number, visitorToken?: string): Promise<SubscriberSurveyView> {
  return request<SubscriberSurveyView>(`/public-surveys/${id}`, { anonymous: true, data: { visitorToken } });
}

/** A visitor token for one anonymous survey (limited per network per day). */
export function takeVisitorToken(id: number): Promise<{ visitorToken: string }> {
  return request<{ visitorToken: string }>(`/public-surveys/${id}/visitors`, { method: 'POST', anonymous: true });
}

export function saveVisitorDraft(id: number, visitorToken: string, answers: SurveyAnswer[]): Promise<SubscriberSurveyView> {
  return request<SubscriberSurveyView>(`/public-surveys/${id}/draft`, { method: 'PUT', anonymous: true, data: { visitorToken, answers } });
}

export function submitVisitorAnswers(id: number, visitorToken: string, answers: SurveyAnswer[]): Promise<SubscriberSurveyView> {
  return request<SubscriberSurveyView>(`/public-surveys/${id}/responses`, { method: 'POST', anonymous: true, data: { visitorToken, answers } });
}
