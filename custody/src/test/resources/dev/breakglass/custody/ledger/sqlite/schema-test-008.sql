-- A second schema version, used only by MigrationTest to exercise the upgrade path.
CREATE TABLE test_upgrade_marker (x INTEGER) STRICT;
