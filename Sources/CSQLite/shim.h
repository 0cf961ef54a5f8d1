#include <sqlite3.h>

/* sqlite3_config is variadic, which Swift cannot call. Memory statistics take a global mutex on
   every allocation; nothing here reads them. Must run before the first connection opens. */
static inline int userimport_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* A statement's journal stays in memory up to this many bytes, then goes to a temporary file.
   SQLite's 64 KiB is four of our 16 KiB pages: a small import's one row-chunk INSERT spilled,
   a file created and removed per import. */
static inline int userimport_sqlite3_statement_journal_in_memory(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}
