/*
 * ssd-export.sql: export the Standard Safeguarding Dataset tables driftwatch reads as CSV files,
 * one per table, named as the table, with a header row and the SSD data model's column names.
 * For a council's DBA: run it after the nightly SSD refresh (SQL Server Agent job step), with
 * sqlcmd, into an empty staging folder; then move the files into driftwatch's drop folder and
 * write the .done marker last (README: "The SSD route, step by step").
 *
 *   sqlcmd -S SERVER -d SSD_DATABASE -E -b -h -1 -y 0 -f 65001 ^
 *          -v OUT="D:\driftwatch\staging" SCHEMA="ssd_development" -i ssd-export.sql
 *
 * -h -1: no sqlcmd headers (the script writes its own); -y 0: long lines whole; -f 65001: UTF-8;
 * -b: a failed query fails the job step. Every value is quoted as RFC 4180 wants (doubled quotes
 * inside), so commas in descriptions and in lacp_cla_care_plan_json are safe. Dates are written
 * YYYY-MM-DD (driftwatch also reads "YYYY-MM-DD hh:mm:ss.fff" and dd/mm/yyyy).
 *
 * Read-only: SELECTs only. Names (prof_professional_name) are exported as the SSD holds them but
 * driftwatch never reads or keeps them; leave the column out (empty) if your IG policy prefers:
 * the header must still name it.
 *
 * staff_emails.csv (staff_id, email) does not come from the SSD, which holds no email addresses:
 * the last block is a template for your HR or directory table. staff_id is matched against
 * prof_staff_id, then prof_social_worker_registration_no (the SSDA903's SW_ID).
 */
SET NOCOUNT ON;

:OUT $(OUT)\ssd_cla_episodes.csv
SELECT 'clae_cla_episode_id,clae_person_id,clae_cla_placement_id,clae_cla_episode_start_date,clae_cla_episode_start_reason,clae_cla_primary_need_code,clae_cla_episode_ceased_date,clae_cla_episode_ceased_reason,clae_cla_id,clae_referral_id,clae_cla_last_iro_contact_date,clae_entered_care_date';
SELECT CONCAT(
    '"', REPLACE(CAST(clae_cla_episode_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clae_person_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clae_cla_placement_id AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), clae_cla_episode_start_date, 23), ',',
    '"', REPLACE(CAST(clae_cla_episode_start_reason AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clae_cla_primary_need_code AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), clae_cla_episode_ceased_date, 23), ',',
    '"', REPLACE(CAST(clae_cla_episode_ceased_reason AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clae_cla_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clae_referral_id AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), clae_cla_last_iro_contact_date, 23), ',',
    CONVERT(char(10), clae_entered_care_date, 23))
FROM $(SCHEMA).ssd_cla_episodes
ORDER BY clae_person_id, clae_cla_episode_start_date;

:OUT $(OUT)\ssd_cla_reviews.csv
SELECT 'clar_cla_review_id,clar_cla_id,clar_cla_person_id,clar_cla_review_due_date,clar_cla_review_date,clar_cla_review_cancelled,clar_cla_review_participation';
SELECT CONCAT(
    '"', REPLACE(CAST(clar_cla_review_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clar_cla_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clar_cla_person_id AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), clar_cla_review_due_date, 23), ',',
    CONVERT(char(10), clar_cla_review_date, 23), ',',
    '"', REPLACE(CAST(clar_cla_review_cancelled AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(clar_cla_review_participation AS nvarchar(max)), '"', '""'), '"')
FROM $(SCHEMA).ssd_cla_reviews
ORDER BY clar_cla_person_id, clar_cla_review_date;

:OUT $(OUT)\ssd_cla_care_plan.csv
SELECT 'lacp_table_id,lacp_person_id,lacp_cla_care_plan_start_date,lacp_cla_care_plan_end_date,lacp_cla_care_plan_json';
SELECT CONCAT(
    '"', REPLACE(CAST(lacp_table_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(lacp_person_id AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), lacp_cla_care_plan_start_date, 23), ',',
    CONVERT(char(10), lacp_cla_care_plan_end_date, 23), ',',
    '"', REPLACE(CAST(lacp_cla_care_plan_json AS nvarchar(max)), '"', '""'), '"')
FROM $(SCHEMA).ssd_cla_care_plan
ORDER BY lacp_person_id, lacp_cla_care_plan_start_date;

:OUT $(OUT)\ssd_permanence.csv
SELECT 'perm_table_id,perm_person_id,perm_cla_id,perm_adm_decision_date';
SELECT CONCAT(
    '"', REPLACE(CAST(perm_table_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(perm_person_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(perm_cla_id AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), perm_adm_decision_date, 23))
FROM $(SCHEMA).ssd_permanence
ORDER BY perm_person_id;

:OUT $(OUT)\ssd_involvements.csv
SELECT 'invo_involvements_id,invo_professional_id,invo_professional_role_id,invo_professional_team,invo_person_id,invo_involvement_start_date,invo_involvement_end_date,invo_worker_change_reason,invo_referral_id';
SELECT CONCAT(
    '"', REPLACE(CAST(invo_involvements_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(invo_professional_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(invo_professional_role_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(invo_professional_team AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(invo_person_id AS nvarchar(max)), '"', '""'), '",',
    CONVERT(char(10), invo_involvement_start_date, 23), ',',
    CONVERT(char(10), invo_involvement_end_date, 23), ',',
    '"', REPLACE(CAST(invo_worker_change_reason AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(invo_referral_id AS nvarchar(max)), '"', '""'), '"')
FROM $(SCHEMA).ssd_involvements
ORDER BY invo_person_id, invo_involvement_start_date;

-- The ids that lead to an email; the name column is written empty (driftwatch never reads it).
:OUT $(OUT)\ssd_professionals.csv
SELECT 'prof_professional_id,prof_staff_id,prof_professional_name,prof_social_worker_registration_no,prof_professional_job_title';
SELECT CONCAT(
    '"', REPLACE(CAST(prof_professional_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(prof_staff_id AS nvarchar(max)), '"', '""'), '",',
    '"",',
    '"', REPLACE(CAST(prof_social_worker_registration_no AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(prof_professional_job_title AS nvarchar(max)), '"', '""'), '"')
FROM $(SCHEMA).ssd_professionals
ORDER BY prof_professional_id;

-- staff_emails.csv: TEMPLATE. Point it at your HR or directory table (here hr.staff_directory
-- with staff_id and work_email), or have HR drop staff_emails.csv beside the others.
:OUT $(OUT)\staff_emails.csv
SELECT 'staff_id,email';
SELECT CONCAT(
    '"', REPLACE(CAST(staff_id AS nvarchar(max)), '"', '""'), '",',
    '"', REPLACE(CAST(work_email AS nvarchar(max)), '"', '""'), '"')
FROM hr.staff_directory
WHERE work_email IS NOT NULL
ORDER BY staff_id;

:OUT STDOUT
