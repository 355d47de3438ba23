-- Secondary indexes dropped while a new desk copies a hub's tables, kept here to be made again
-- after the copy, or when the file is next opened if the copy never finished.
CREATE TABLE indexes_set_aside (
    name TEXT PRIMARY KEY,
    sql TEXT NOT NULL
);
