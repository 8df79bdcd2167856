-- API clients for system integrations (client-credentials grant).
CREATE TABLE api_clients (
    id            uuid PRIMARY KEY,
    client_id     text NOT NULL UNIQUE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash   bytea NOT NULL,
    scopes        text[] NOT NULL DEFAULT '{}',
    ip_allow      cidr[] NOT NULL DEFAULT '{}',
    facility_id   uuid REFERENCES facilities(id),
    enabled       boolean NOT NULL DEFAULT true,
    created_by    uuid REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);

INSERT INTO permissions (code, description) VALUES
    ('api_clients.manage', 'Register API clients and manage their scopes'),
    ('fhir.read', 'Read through the FHIR API'),
    ('fhir.write', 'Write through the FHIR API');
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('super_admin', 'api_clients.manage'), ('super_admin', 'fhir.read'), ('super_admin', 'fhir.write');
