import type { SurveyAnswer, SurveyQuestion } from '@openhall/shared';
import { AppError } from '../../http/errors';

/** Why an answer was refused, for `details.reason`. */
export type SurveyAnswerProblem = 'unknown_question' | 'duplicate' | 'wrong_kind' | 'option_not_in_question' | 'too_few_choices' | 'too_many_choices' | 'rating_out_of_range' | 'text_too_long';

/** `第3题「…」`: how an error names a question to the subscriber. */
function named(questions: SurveyQuestion[], q: SurveyQuestion): string {
  return `第${questions.indexOf(q) + 1}题「${q.title.length > 20 ? `${q.title.slice(0, 20)}…` : q.title}」`;
}

function refuse(questions: SurveyQuestion[], q: SurveyQuestion | null, questionId: number, reason: SurveyAnswerProblem, words: string): AppError {
  const where = q ? named(questions, q) : `题目 ${questionId}`;
  return new AppError('SURVEY_ANSWER_INVALID', 400, `${where}：${words}`, { questionId, questionNo: q ? questions.indexOf(q) + 1 : null, reason });
}

/**
 * Checks answers against the survey's questions and returns them in the questions' order, in the
 * one form stored (`optionIds` sorted and unique, text trimmed); an answer holding nothing (no
 * option, no rating, empty text) counts as not answered and is dropped. A draft (`complete`
 * false) is held to the same rules except the required questions and a multiple choice's minimum;
 * a submission must answer every required question. The first problem is refused, naming its
 * question (`details.questionId`).
 */
export function checkSurveyAnswers(questions: SurveyQuestion[], answers: SurveyAnswer[], complete: boolean): SurveyAnswer[] {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const given = new Map<number, SurveyAnswer>();
  for (const a of answers) {
    const q = byId.get(a.questionId) ?? null;
    if (!q) throw refuse(questions, null, a.questionId, 'unknown_question', '该调查没有这道题');
    if (given.has(a.questionId)) throw refuse(questions, q, a.questionId, 'duplicate', '同一道题只能回答一次');
    const clean = checkOne(questions, q, a, complete);
    if (clean) given.set(q.id, clean);
  }
  if (complete) {
    const missing = questions.filter((q) => q.required && !given.has(q.id));
    if (missing.length > 0) {
      throw new AppError('SURVEY_ANSWER_MISSING', 400, `请回答必答题：${missing.map((q) => named(questions, q)).join('、')}`, {
        questionId: missing[0].id,
        questionIds: missing.map((q) => q.id),
      });
    }
  }
  return questions.filter((q) => given.has(q.id)).map((q) => given.get(q.id)!);
}

function checkOne(questions: SurveyQuestion[], q: SurveyQuestion, a: SurveyAnswer, complete: boolean): SurveyAnswer | null {
  const wrong = (words: string) => refuse(questions, q, q.id, 'wrong_kind', words);
  switch (q.kind) {
    case 'single':
    case 'multiple': {
      if (a.rating !== undefined || a.text !== undefined) throw wrong('这是选择题，请选择选项');
      const ids = [...new Set(a.optionIds ?? [])].sort((x, y) => x - y);
      if (ids.length === 0) return null;
      const stranger = ids.find((id) => !q.options.some((o) => o.id === id));
      if (stranger !== undefined) throw refuse(questions, q, q.id, 'option_not_in_question', `选项 ${stranger} 不属于这道题`);
      if (q.kind === 'single' && ids.length > 1) throw refuse(questions, q, q.id, 'too_many_choices', '单选题只能选一项');
      if (q.kind === 'multiple') {
        if (q.maxChoices !== null && ids.length > q.maxChoices) throw refuse(questions, q, q.id, 'too_many_choices', `最多选择${q.maxChoices}项`);
        if (complete && q.minChoices !== null && ids.length < q.minChoices) throw refuse(questions, q, q.id, 'too_few_choices', `至少选择${q.minChoices}项`);
      }
      return { questionId: q.id, optionIds: ids };
    }
    case 'rating': {
      if (a.optionIds !== undefined || a.text !== undefined) throw wrong('这是评分题，请打1到5分');
      if (a.rating === undefined) return null;
      if (!Number.isInteger(a.rating) || a.rating < 1 || a.rating > 5) throw refuse(questions, q, q.id, 'rating_out_of_range', '评分须为1到5分');
      return { questionId: q.id, rating: a.rating };
    }
    case 'text': {
      if (a.optionIds !== undefined || a.rating !== undefined) throw wrong('这是简答题，请填写文字');
      const text = (a.text ?? '').trim();
      if (text === '') return null;
      if (Array.from(text).length > q.maxLength) throw refuse(questions, q, q.id, 'text_too_long', `不能超过${q.maxLength}个字`);
      return { questionId: q.id, text };
    }
  }
}
