BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('analytics_0002_goals');
INSERT INTO "alembic_version" VALUES('platform_0001_identity');
CREATE TABLE api_keys (
	id VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64), 
	name VARCHAR(200) NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	key_prefix VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_used_at DATETIME, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	UNIQUE (key_hash)
);
CREATE TABLE auth_secrets (
	name VARCHAR(64) NOT NULL, 
	value VARCHAR(256) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE goals (
	id VARCHAR(64) NOT NULL, 
	website_id VARCHAR(64) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	goal_type VARCHAR(16) NOT NULL, 
	match_value VARCHAR(500) NOT NULL, 
	match_operator VARCHAR(16) NOT NULL, 
	value_mode VARCHAR(16) NOT NULL, 
	fixed_value FLOAT, 
	value_property_key VARCHAR(200), 
	currency VARCHAR(8) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_goals_website_name UNIQUE (website_id, name), 
	FOREIGN KEY(website_id) REFERENCES websites (id) ON DELETE CASCADE
);
CREATE TABLE login_failures (
	id INTEGER NOT NULL, 
	client_ip VARCHAR(64) NOT NULL, 
	failed_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE users (
	id VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	email VARCHAR(320), 
	password_hash VARCHAR(128), 
	role VARCHAR(16) DEFAULT 'user' NOT NULL, 
	must_change_password BOOLEAN DEFAULT 0 NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (username), 
	UNIQUE (email)
);
CREATE TABLE websites (
	id VARCHAR(64) NOT NULL, 
	tenant_id VARCHAR(64), 
	name VARCHAR(200) NOT NULL, 
	domain VARCHAR(253) NOT NULL, 
	timezone VARCHAR(64) DEFAULT 'UTC' NOT NULL, 
	ingest_peak_eps INTEGER, 
	ingest_queue_max_events INTEGER, 
	share_id VARCHAR(36), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (share_id)
);
CREATE INDEX ix_websites_domain ON websites (domain);
CREATE INDEX ix_api_keys_created_at ON api_keys (created_at);
CREATE INDEX ix_login_failures_ip_at ON login_failures (client_ip, failed_at);
COMMIT;
