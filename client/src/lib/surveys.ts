import type { SurveySummary } from '@openhall/shared';

/** 在线调查: the open surveys meant for me. */
export const SURVEY_LIST_PAGE = '/pages/surveys/list/index';
/** The page answering one survey (`?id=`, `&anonymous=1` for an anonymous public survey). */
export const SURVEY_ANSWER_PAGE = '/pages/surveys/answer/index';

/** Where a survey of a list is answered. */
export function surveyAnswerPath(s: Pick<SurveySummary, 'id' | 'anonymous'>): string {
  return `${SURVEY_ANSWER_PAGE}?id=${s.id}${s.anonymous ? '&anonymous=1' : ''}`;
}

/** What a list shows for where the subscriber stands. */
export const surveyStatusWords: Record<SurveySummary['myStatus'], string> = { none: '去填写', draft: '继续填写', submitted: '已提交' };
