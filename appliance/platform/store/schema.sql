BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('arena_0004_legacy');
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
CREATE TABLE arena_accounts (
	id VARCHAR(24) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	profile JSON DEFAULT '{}' NOT NULL, 
	report_count INTEGER DEFAULT '0' NOT NULL, 
	ban_count INTEGER DEFAULT '0' NOT NULL, 
	current_ban_id VARCHAR(24), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (user_id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE arena_audit_log (
	id VARCHAR(24) NOT NULL, 
	actor_id VARCHAR(24), 
	action VARCHAR(64) NOT NULL, 
	target_type VARCHAR(32) NOT NULL, 
	target_id VARCHAR(24) NOT NULL, 
	details JSON DEFAULT '{}' NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(actor_id) REFERENCES arena_accounts (id) ON DELETE SET NULL
);
CREATE TABLE arena_bans (
	id VARCHAR(24) NOT NULL, 
	account_id VARCHAR(24) NOT NULL, 
	banned_by_id VARCHAR(24), 
	ban_type VARCHAR(16) NOT NULL, 
	reason TEXT NOT NULL, 
	start_date DATETIME NOT NULL, 
	end_date DATETIME, 
	is_active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE CASCADE, 
	FOREIGN KEY(banned_by_id) REFERENCES arena_accounts (id) ON DELETE SET NULL
);
CREATE TABLE arena_chat_messages (
	id VARCHAR(24) NOT NULL, 
	game_id VARCHAR(24) NOT NULL, 
	account_id VARCHAR(24), 
	username VARCHAR(64) NOT NULL, 
	message TEXT NOT NULL, 
	is_deleted BOOLEAN DEFAULT 0 NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(game_id) REFERENCES arena_games (id) ON DELETE CASCADE, 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE SET NULL
);
CREATE TABLE arena_comment_votes (
	id VARCHAR(24) NOT NULL, 
	comment_id VARCHAR(24) NOT NULL, 
	account_id VARCHAR(24) NOT NULL, 
	vote_type VARCHAR(8) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_arena_comment_votes_comment_account UNIQUE (comment_id, account_id), 
	FOREIGN KEY(comment_id) REFERENCES arena_comments (id) ON DELETE CASCADE, 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE CASCADE
);
CREATE TABLE arena_comments (
	id VARCHAR(24) NOT NULL, 
	author_id VARCHAR(24) NOT NULL, 
	puzzle_id VARCHAR(24), 
	parent_id VARCHAR(24) NOT NULL, 
	comment_type VARCHAR(16) NOT NULL, 
	text TEXT NOT NULL, 
	upvote INTEGER DEFAULT '0' NOT NULL, 
	downvote INTEGER DEFAULT '0' NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(author_id) REFERENCES arena_accounts (id) ON DELETE CASCADE, 
	FOREIGN KEY(puzzle_id) REFERENCES arena_puzzles (id) ON DELETE CASCADE
);
CREATE TABLE arena_game_players (
	game_id VARCHAR(24) NOT NULL, 
	account_id VARCHAR(24) NOT NULL, 
	joined_at DATETIME NOT NULL, 
	PRIMARY KEY (game_id, account_id), 
	FOREIGN KEY(game_id) REFERENCES arena_games (id) ON DELETE CASCADE, 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE CASCADE
);
CREATE TABLE arena_games (
	id VARCHAR(24) NOT NULL, 
	owner_id VARCHAR(24), 
	puzzle_id VARCHAR(24) NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	visibility VARCHAR(8) NOT NULL, 
	rated BOOLEAN NOT NULL, 
	options JSON DEFAULT '{}' NOT NULL, 
	start_time DATETIME NOT NULL, 
	end_time DATETIME NOT NULL, 
	rated_at DATETIME, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(owner_id) REFERENCES arena_accounts (id) ON DELETE SET NULL, 
	FOREIGN KEY(puzzle_id) REFERENCES arena_puzzles (id) ON DELETE CASCADE
);
CREATE TABLE arena_languages (
	id VARCHAR(24) NOT NULL, 
	language VARCHAR(64) NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	aliases JSON DEFAULT '[]' NOT NULL, 
	runtime VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_arena_languages_language_version UNIQUE (language, version)
);
CREATE TABLE arena_legacy_ids (
	collection VARCHAR(32) NOT NULL, 
	legacy_id VARCHAR(24) NOT NULL, 
	new_id VARCHAR(24) NOT NULL, 
	imported_at DATETIME NOT NULL, 
	PRIMARY KEY (collection, legacy_id)
);
CREATE TABLE arena_preferences (
	id VARCHAR(24) NOT NULL, 
	account_id VARCHAR(24) NOT NULL, 
	preferred_language VARCHAR(64), 
	theme VARCHAR(8), 
	blocked_users JSON DEFAULT '[]' NOT NULL, 
	editor JSON DEFAULT '{}' NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (account_id), 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE CASCADE
);
CREATE TABLE arena_puzzles (
	id VARCHAR(24) NOT NULL, 
	author_id VARCHAR(24) NOT NULL, 
	title VARCHAR(128) NOT NULL, 
	statement TEXT, 
	constraints TEXT, 
	difficulty VARCHAR(16) DEFAULT 'intermediate' NOT NULL, 
	visibility VARCHAR(16) DEFAULT 'draft' NOT NULL, 
	solution_code TEXT NOT NULL, 
	solution_language_id VARCHAR(24), 
	tags JSON DEFAULT '[]' NOT NULL, 
	moderation_feedback TEXT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(author_id) REFERENCES arena_accounts (id) ON DELETE CASCADE, 
	FOREIGN KEY(solution_language_id) REFERENCES arena_languages (id) ON DELETE SET NULL
);
CREATE TABLE arena_reports (
	id VARCHAR(24) NOT NULL, 
	problematic_identifier VARCHAR(24) NOT NULL, 
	problem_type VARCHAR(16) NOT NULL, 
	reported_by_id VARCHAR(24) NOT NULL, 
	explanation TEXT NOT NULL, 
	status VARCHAR(16) DEFAULT 'pending' NOT NULL, 
	resolved_by_id VARCHAR(24), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(reported_by_id) REFERENCES arena_accounts (id) ON DELETE CASCADE, 
	FOREIGN KEY(resolved_by_id) REFERENCES arena_accounts (id) ON DELETE SET NULL
);
CREATE TABLE arena_seeds (
	name VARCHAR(64) NOT NULL, 
	seeded_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE arena_submissions (
	id VARCHAR(24) NOT NULL, 
	puzzle_id VARCHAR(24) NOT NULL, 
	account_id VARCHAR(24) NOT NULL, 
	language_id VARCHAR(24) NOT NULL, 
	code TEXT NOT NULL, 
	result VARCHAR(16) NOT NULL, 
	success_rate FLOAT NOT NULL, 
	passed INTEGER NOT NULL, 
	failed INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	game_id VARCHAR(24), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(puzzle_id) REFERENCES arena_puzzles (id) ON DELETE CASCADE, 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE CASCADE, 
	FOREIGN KEY(language_id) REFERENCES arena_languages (id) ON DELETE RESTRICT
);
CREATE TABLE arena_user_metrics (
	account_id VARCHAR(24) NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	games_played INTEGER DEFAULT '0' NOT NULL, 
	games_won INTEGER DEFAULT '0' NOT NULL, 
	best_score FLOAT DEFAULT '0' NOT NULL, 
	total_score FLOAT DEFAULT '0' NOT NULL, 
	rating FLOAT DEFAULT '1500' NOT NULL, 
	rd FLOAT DEFAULT '350' NOT NULL, 
	volatility FLOAT DEFAULT '0.06' NOT NULL, 
	rank INTEGER, 
	last_game_date DATETIME, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (account_id, mode), 
	FOREIGN KEY(account_id) REFERENCES arena_accounts (id) ON DELETE CASCADE
);
CREATE TABLE arena_validators (
	id VARCHAR(24) NOT NULL, 
	puzzle_id VARCHAR(24) NOT NULL, 
	position INTEGER NOT NULL, 
	input TEXT NOT NULL, 
	output TEXT NOT NULL, 
	test_result JSON, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(puzzle_id) REFERENCES arena_puzzles (id) ON DELETE CASCADE
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
CREATE INDEX ix_arena_bans_account ON arena_bans (account_id, created_at);
CREATE INDEX ix_arena_puzzles_created ON arena_puzzles (created_at);
CREATE INDEX ix_arena_puzzles_author ON arena_puzzles (author_id, created_at);
CREATE INDEX ix_arena_puzzles_visibility ON arena_puzzles (visibility, created_at);
CREATE INDEX ix_arena_validators_puzzle ON arena_validators (puzzle_id, position);
CREATE INDEX ix_arena_submissions_account ON arena_submissions (account_id, created_at);
CREATE INDEX ix_arena_submissions_puzzle ON arena_submissions (puzzle_id, created_at);
CREATE INDEX ix_arena_comments_parent ON arena_comments (parent_id, created_at);
CREATE INDEX ix_arena_comments_author ON arena_comments (author_id, created_at);
CREATE INDEX ix_arena_comments_puzzle ON arena_comments (puzzle_id);
CREATE INDEX ix_arena_reports_queue ON arena_reports (status, problem_type, created_at);
CREATE INDEX ix_arena_reports_target ON arena_reports (problematic_identifier);
CREATE INDEX ix_arena_audit_log_created ON arena_audit_log (created_at);
CREATE INDEX ix_arena_audit_log_target ON arena_audit_log (target_type, target_id, created_at);
CREATE INDEX ix_arena_games_end ON arena_games (end_time);
CREATE INDEX ix_arena_submissions_game ON arena_submissions (game_id);
CREATE INDEX ix_arena_games_unrated ON arena_games (rated, rated_at, end_time);
CREATE INDEX ix_arena_chat_messages_game ON arena_chat_messages (game_id, created_at);
CREATE INDEX ix_arena_user_metrics_mode_rating ON arena_user_metrics (mode, rating);
CREATE INDEX ix_websites_domain ON websites (domain);
CREATE INDEX ix_api_keys_created_at ON api_keys (created_at);
CREATE INDEX ix_login_failures_ip_at ON login_failures (client_ip, failed_at);
COMMIT;
