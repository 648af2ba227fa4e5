import { textSchema } from './common';

/**
 * 《用户协议》 and 《隐私政策》 as the operator publishes them (config/operator.json `agreements`),
 * shown at sign-in with the consent checkbox. `version` changes when either text changes: a user who
 * consented to another version is asked again.
 */
export interface AgreementText {
  title: string;
  /** Plain text; paragraphs separated by blank lines. */
  body: string;
}

export interface AgreementsView {
  version: string;
  userAgreement: AgreementText;
  privacyPolicy: AgreementText;
}

/** The version of the texts the user ticked 同意 for, sent with a sign-in. */
export const consentVersionSchema = textSchema().min(1).max(32);
