import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-helpers';

/**
 * Online surveys (issue 21): surveys, responses (drafts and submissions), submitted answers one
 * row per choice. Also indexes on the account's service type and area with its status, so a
 * survey's audience (holders of open accounts of one service or area) is counted from the index
 * alone: an area or a service holds a large share of all accounts, and without the status in the
 * index MariaDB reads the whole table rather than look each row up.
 */
export class Migration20261204190000_surveys extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (schema) =>
      schema
        .createTable('survey', (t) => {
          t.increments('id');
          t.integer('version').notNullable();
          t.integer('previous_id').unsigned().nullable();
          t.string('title', 60).notNullable();
          t.text('introduction').notNullable();
          t.string('opens_on', 10).notNullable();
          t.string('closes_on', 10).notNullable();
          timestamp(t, 'opens_at');
          timestamp(t, 'closes_at');
          t.json('audience').notNullable();
          t.boolean('anonymous').notNullable();
          t.json('questions').notNullable();
          t.string('status', 16).notNullable();
          t.integer('created_by_staff_id').unsigned().notNullable();
          timestamp(t, 'published_at', true);
          t.integer('published_by_staff_id').unsigned().nullable();
          timestamp(t, 'closed_at', true);
          t.integer('closed_by_staff_id').unsigned().nullable();
          timestamp(t, 'created_at');
          timestamp(t, 'updated_at');
          t.unique(['previous_id'], { indexName: 'survey_previous_unique' });
          t.index(['status', 'closes_at'], 'survey_status_closes_idx');
          t.index(['created_at'], 'survey_created_idx');
        })
        .createTable('survey_response', (t) => {
          t.increments('id');
          t.integer('survey_id').unsigned().notNullable();
          t.string('respondent_key', 40).notNullable();
          t.integer('user_id').unsigned().nullable();
          t.integer('account_id').unsigned().nullable();
          t.string('area', 32).nullable();
          t.string('status', 16).notNullable();
          t.json('answers').notNullable();
          t.boolean('contact_agreed').notNullable();
          t.string('contact_phone', 20).nullable();
          timestamp(t, 'created_at');
          timestamp(t, 'updated_at');
          timestamp(t, 'submitted_at', true);
          t.unique(['survey_id', 'respondent_key'], { indexName: 'survey_response_respondent_unique' });
          t.index(['survey_id', 'status', 'submitted_at'], 'survey_response_status_idx');
          t.index(['user_id'], 'survey_response_user_idx');
        })
        .createTable('survey_answer', (t) => {
          t.increments('id');
          t.integer('survey_id').unsigned().notNullable();
          t.integer('response_id').unsigned().notNullable();
          t.integer('question_id').unsigned().notNullable();
          t.integer('choice').nullable();
          t.text('text').nullable();
          t.index(['survey_id', 'question_id', 'choice'], 'survey_answer_choice_idx');
          t.index(['response_id'], 'survey_answer_response_idx');
        })
        .alterTable('account', (t) => {
          t.index(['service_type', 'status'], 'account_service_type_status_idx');
          t.index(['area', 'status'], 'account_area_status_idx');
        }),
    );
  }
}
