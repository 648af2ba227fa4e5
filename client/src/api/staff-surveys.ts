import type { Page, SurveyInput, SurveyListQuery, SurveyResults, SurveyView } from '@openhall/shared';
import { saveApiFile } from '../platform/save-file';
import { request } from './request';
import { staffTokens } from './staff';

// The console's surveys (在线调查): drafts, publishing (questions fixed), closing early, new
// versions, results and the CSV export. Building needs a supervisor; agents may list and read.

const staff = { tokens: staffTokens };

export function listStaffSurveys(query: Partial<SurveyListQuery> = {}): Promise<Page<SurveyView>> {
  return request<Page<SurveyView>>('/staff/surveys', { data: { ...query }, ...staff });
}

export function createSurvey(input: SurveyInput): Promise<SurveyView> {
  return request<SurveyView>('/staff/surveys', { method: 'POST', data: { ...input }, ...staff });
}

/** Replaces a draft's definition: SURVEY_NOT_EDITABLE once published. */
export function updateSurvey(id: number, input: SurveyInput): Promise<SurveyView> {
  return request<SurveyView>(`/staff/surveys/${id}`, { method: 'PUT', data: { ...input }, ...staff });
}

export function publishSurvey(id: number): Promise<SurveyView> {
  return request<SurveyView>(`/staff/surveys/${id}/publish`, { method: 'POST', ...staff });
}

export function closeSurvey(id: number): Promise<SurveyView> {
  return request<SurveyView>(`/staff/surveys/${id}/close`, { method: 'POST', ...staff });
}

/** A new draft version of a published survey (one per survey; CONFLICT naming it when there is one). */
export function newSurveyVersion(id: number): Promise<SurveyView> {
  return request<SurveyView>(`/staff/surveys/${id}/versions`, { method: 'POST', ...staff });
}

export function getSurveyResults(id: number): Promise<SurveyResults> {
  return request<SurveyResults>(`/staff/surveys/${id}/results`, staff);
}

/** Saves every submitted response as CSV (UTF-8 with BOM) to the user's downloads; the export is audit-logged. */
export function downloadSurveyCsv(survey: Pick<SurveyView, 'id' | 'title' | 'version'>): Promise<void> {
  return saveApiFile(`/staff/surveys/${survey.id}/results.csv`, `${survey.title}-第${survey.version}版.csv`, staffTokens.get());
}
