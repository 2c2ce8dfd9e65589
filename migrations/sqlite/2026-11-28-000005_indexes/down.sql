DROP INDEX standards_revision_of;
