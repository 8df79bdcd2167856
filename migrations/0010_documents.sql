-- Document archive of the chart: PDFs and images (referral letters, discharge summaries, reports,
-- consent forms...). A document is metadata (`documents`); every upload is a new version
-- (`document_versions`, kept for ever); the bytes of a version live in `document_contents`, a
-- table of their own so that lists and the chart never read them.

CREATE TABLE documents (
    id               uuid PRIMARY KEY,
    patient_id       uuid NOT NULL REFERENCES patients(id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    category         text NOT NULL CHECK (category IN ('referral_letter', 'discharge_summary', 'lab_report',
                         'imaging_report', 'consent_form', 'correspondence', 'other')),
    document_date    date,
    current_version  integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    created_by       uuid REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_patient ON documents (patient_id, created_at DESC, id DESC);
CREATE TRIGGER documents_updated_at BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE document_versions (
    document_id   uuid NOT NULL REFERENCES documents(id),
    version       integer NOT NULL CHECK (version >= 1),
    file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    byte_size     integer NOT NULL CHECK (byte_size BETWEEN 1 AND 10485760),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    comment       text NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    uploaded_by   uuid REFERENCES users(id),
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, version)
);

CREATE TABLE document_contents (
    document_id  uuid NOT NULL,
    version      integer NOT NULL,
    data         bytea NOT NULL CHECK (length(data) BETWEEN 1 AND 10485760),
    PRIMARY KEY (document_id, version),
    FOREIGN KEY (document_id, version) REFERENCES document_versions (document_id, version)
);
-- PDFs, JPEGs and PNGs are compressed already: store them out of line without trying again.
ALTER TABLE document_contents ALTER COLUMN data SET STORAGE EXTERNAL;

-- A version, once stored, is the record of what was received: never changed nor deleted.
CREATE OR REPLACE FUNCTION document_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document versions are kept unchanged (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER document_versions_immutable BEFORE UPDATE OR DELETE ON document_versions
    FOR EACH ROW EXECUTE FUNCTION document_versions_immutable();
CREATE TRIGGER document_contents_immutable BEFORE UPDATE OR DELETE ON document_contents
    FOR EACH ROW EXECUTE FUNCTION document_versions_immutable();
