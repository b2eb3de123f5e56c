-- Haven's database with two roles (docs/deploy.md, "The database and its two roles"):
--   the owner, which owns the schema and runs migrations at upgrades, and
--   the application's role, which may only read and write rows (no CREATE, ALTER, DROP,
--   TRUNCATE or trigger changes), so the running site cannot change the schema or switch off
--   the audit log's append-only triggers even if it is taken over.
-- Run as the postgres superuser, naming the database and the two roles:
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -v db=haven -v owner=haven_owner -v app=haven -f deploy/postgresql/roles.sql
-- then give each role its password (\password haven_owner, \password haven), or use peer
-- authentication over the unix socket for the application's role.
-- haven/core/tests/test_database_roles.py runs this file and the application as that role.

CREATE ROLE :"owner" LOGIN;
CREATE ROLE :"app" LOGIN;
CREATE DATABASE :"db" OWNER :"owner";

\connect :"db"
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"owner";
GRANT USAGE ON SCHEMA public TO :"app";
-- Every table and sequence the owner's migrations create: rows only, for the application.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
